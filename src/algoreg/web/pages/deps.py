"""Dependencies of pages: who is signed in, and protection of forms."""

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from algoreg.register.sessions import SignedIn
from algoreg.web.security import verify_csrf


class LoginRequired(Exception):
    """Raised when a page needs a signed-in user; answered with a redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def current_user(request: Request) -> SignedIn | None:
    """Return the signed-in user, if any."""
    user: SignedIn | None = request.state.user
    return user


def signed_in_user(request: Request) -> SignedIn:
    """Return the signed-in user, or send the browser to the login page and back afterwards."""
    user: SignedIn | None = request.state.user
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(quote(target, safe="/?=&"))
    return user


MaybeUser = Annotated[SignedIn | None, Depends(current_user)]
User = Annotated[SignedIn, Depends(signed_in_user)]
CSRF = Depends(verify_csrf)
