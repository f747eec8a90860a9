"""Pages: managing an organisation's algorithms — the dashboard, and (in sibling modules) the editor,
the algorithm's own page with its workflow steps, preview, history, audit log and bulk import.

Every page needs a signed-in user; what they may see and do is decided by the domain services
per organisation and role (:mod:`algoreg.register.workspace`, :mod:`algoreg.register.algorithms`).
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from algoreg.register import users, workspace
from algoreg.web.deps import UoW
from algoreg.web.pages import manage_algorithm, manage_editor, manage_import
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.pages.manage_common import common_context
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])


@router.get("/beheer", response_class=HTMLResponse)
def dashboard(request: Request, user: User, uow: UoW) -> HTMLResponse:
    """Show the user's organisations with their algorithms, workflow states and counts per state."""
    with uow() as session:
        overview = workspace.overview(session, user.principal)
    context = common_context(request) | {
        "organisations": overview,
        "may_manage_users": users.may_manage_users(user.principal),
    }
    return render(request, "manage/dashboard.html", context)


# The algorithm's own pages come before the organisation's, so that /beheer/algoritme/… is never
# read as an organisation code.
router.include_router(manage_algorithm.router)
router.include_router(manage_editor.router)
router.include_router(manage_import.router)
