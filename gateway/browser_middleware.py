"""Django's browser middleware, standing aside for sealed requests.

Sessions, the logged-in user and messages serve the admin and the operations dashboard,
whose browsers hold cookies. A sealed request (one the envelope middleware opened:
`request.envelope` is set) carries no cookie, its caller is the credential the gateway
attached, and its answer is sealed with only the headers the seal keeps
(gateway/channel.py): for it these three would set up lazy objects and read cookies for
nothing. Each class here is Django's own, handing a sealed request straight on; every
other request (the admin, the dashboard, health checks, the public key) meets it as
before. Django's own checks (admin.E408 and friends) accept these subclasses.

CSRF's middleware stays as Django ships it, for every request: `check --deploy` looks
for it by name, and on a sealed request it finds no cookie and an exempt view at once.
"""

from __future__ import annotations

from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthentication
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessages
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessions


def for_browsers(middleware: type) -> type:
    """`middleware` for every request but sealed ones, which it passes on untouched."""

    class BrowserOnly(middleware):
        def __call__(self, request):
            if getattr(request, "envelope", None) is not None:
                return self.get_response(request)
            return super().__call__(request)

    BrowserOnly.__name__ = BrowserOnly.__qualname__ = middleware.__name__
    BrowserOnly.__module__ = __name__
    BrowserOnly.__doc__ = f"{middleware.__module__}.{middleware.__name__}, not for sealed requests."
    return BrowserOnly


SessionMiddleware = for_browsers(DjangoSessions)
AuthenticationMiddleware = for_browsers(DjangoAuthentication)
MessageMiddleware = for_browsers(DjangoMessages)
