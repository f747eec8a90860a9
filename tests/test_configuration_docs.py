"""docs/configuration.md is generated from the settings and names every ALGOREG_ variable in src/."""

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "configuration_docs.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("configuration_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_configuration_document_is_up_to_date() -> None:
    docs = load_script()
    assert docs.DOC.read_text(encoding="utf-8") == docs.render(), (
        "docs/configuration.md is out of date: run .venv/bin/python scripts/configuration_docs.py"
    )


def test_every_algoreg_variable_named_in_the_code_is_a_documented_setting() -> None:
    docs = load_script()
    documented = docs.documented_variables()
    written = docs.DOC.read_text(encoding="utf-8")
    missing = {name: places for name, places in docs.mentioned_variables().items() if name not in documented}
    assert not missing, f"ALGOREG_ variables that are not settings (add them to Settings): {missing}"
    assert all(f"`{name}`" in written for name in documented)


def test_every_settings_class_of_algoreg_is_in_the_document() -> None:
    docs = load_script()
    prefixes = {
        line.split('env_prefix="', 1)[1].split('"', 1)[0]
        for path in (ROOT / "src").rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if 'env_prefix="ALGOREG_' in line
    }
    covered = {str(s.model_config.get("env_prefix")) for _, s in docs.SETTINGS_CLASSES}
    assert prefixes <= covered, (
        f"settings classes missing from scripts/configuration_docs.py: {prefixes - covered}"
    )


def test_the_check_finds_a_variable_read_outside_the_settings(tmp_path: Path) -> None:
    # given code that reads a variable of its own, and one that names only a prefix
    package = tmp_path / "src"
    package.mkdir()
    (package / "rogue.py").write_text(
        'import os\nos.environ.get("ALGOREG_SECRET_SWITCH")\nos.getenv("ALGOREG_DATABASE_URL")\n'
        'PREFIX = "ALGOREG_REGISTER_"\n'
    )
    docs = load_script()
    # when the variables are gathered
    found = docs.mentioned_variables(package)
    # then the undocumented one is found with its place, the documented one is known, the prefix ignored
    assert found == {"ALGOREG_SECRET_SWITCH": ["src/rogue.py:2"], "ALGOREG_DATABASE_URL": ["src/rogue.py:3"]}
    assert "ALGOREG_SECRET_SWITCH" not in docs.documented_variables()
    assert "ALGOREG_DATABASE_URL" in docs.documented_variables()
