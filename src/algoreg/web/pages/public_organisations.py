"""Pages: public_organisations (being built)."""

from fastapi import APIRouter

from algoreg.web.pages.deps import CSRF

router = APIRouter(dependencies=[CSRF])
