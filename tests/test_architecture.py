"""The shape of the code that the design promises: data flows from the shells (web, CLI) to the domains."""

import ast
from pathlib import Path

import pytest

import algoreg

PACKAGE = Path(algoreg.__file__).parent
DOMAIN_NAMES = ("standard", "register", "federation", "instruments", "bias", "inventory", "db")
DOMAINS = [name for name in DOMAIN_NAMES if (PACKAGE / name).is_dir()]
SHELLS = ("algoreg.web", "algoreg.cli")


def imported_modules(path: Path) -> set[str]:
    """Every module a Python file imports, at any depth of the file (imports inside functions count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_domain_never_imports_the_web_or_the_cli(domain: str) -> None:
    # given every module of the domain
    folder = PACKAGE / domain
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in sorted(folder.rglob("*.py"))
        for module in sorted(imported_modules(path))
        if any(module == shell or module.startswith(shell + ".") for shell in SHELLS)
    ]

    # then none reaches into a shell
    assert offenders == []


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    # given a module that imports the web lazily
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from algoreg.web.i18n import translations\n    return translations\n")

    # then the check finds it
    assert "algoreg.web.i18n" in imported_modules(module)
