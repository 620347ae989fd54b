"""Re-rendering a manager's form after a 422 calls the services again (the request, the
screening, the roster); when that call is refused too (an unknown id, a service down),
the person gets that refusal as a page instead of a failure of the refusal itself."""
from __future__ import annotations

from collections.abc import Callable

from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply

from .render import refused_as_page

Hook = Callable[[Call, ApiError], Reply]


def form_again(title: str) -> Callable[[Hook], Hook]:
    """Decorate a route's `invalid=` hook: a refusal while rendering becomes a page titled `title`."""
    def wrap(hook: Hook) -> Hook:
        def invalid(call: Call, exc: ApiError):
            try:
                return hook(call, exc)
            except ApiError as refusal:
                return refused_as_page(call, refusal, title)
        invalid.__name__ = hook.__name__
        invalid.__doc__ = hook.__doc__
        return invalid
    return wrap
