"""The admin's writes under active-active: checked at the home, raced safely, refused plainly.

An admin form that saves home-node data (a user, a group, a route) is validated before it
is saved — "a user with that username already exists" — and the save goes to the home
database (the router). So for the admin's unsafe requests this middleware:

- sends the request's reads of the page's home-node service to the home too
  (`read_from_home`), so the validation sees what the save will meet, whichever node
  serves the page (pages of other data keep reading locally, partition or not);
- answers a lost race as the form error it is: two admins submitting the same username
  at the same moment (on A and on B) both pass validation, and the home database's
  UNIQUE key refuses the second INSERT (IntegrityError 1062). The whole save was rolled
  back, so the view runs once more; its validation now sees the first user and the form
  says so. Never a 500;
- turns a write the guard refused (replication/guard.py) or a home database that cannot be
  reached into a message on the page, never a 500.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.contrib import messages
from django.db import IntegrityError, OperationalError
from django.http import HttpResponseRedirect

from core import registry
from core.homewrites import WriteRefused
from replication.routers import read_from_home, wrote_to_home_peer

logger = logging.getLogger("platform.admin")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DUPLICATE_KEY = 1062


def _admin_write(request) -> bool:
    return request.path_info.startswith("/admin/") and request.method not in SAFE_METHODS


class AdminHomeWritesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _admin_write(request):
            code = _home_of_page(request.path_info)
            if code is not None:
                read_from_home(code)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not _admin_write(request):
            return None
        if isinstance(exception, IntegrityError) and _duplicate(exception):
            return self._once_more(request)
        if isinstance(exception, WriteRefused):
            return self._refused(request, str(exception))
        if isinstance(exception, OperationalError) and wrote_to_home_peer():
            return self._refused(
                request, "The home database of this data cannot be reached now; nothing was saved."
            )
        return None

    def _once_more(self, request):
        """The race is decided (the other save committed): validate and answer again."""
        if getattr(request, "_raced_once", False):
            return self._refused(request, "A conflicting change was saved meanwhile; try again.")
        request._raced_once = True
        logger.info("admin save lost a uniqueness race; validating again")
        match = request.resolver_match
        try:
            return match.func(request, *match.args, **match.kwargs)
        except IntegrityError:
            return self._refused(request, "A conflicting change was saved meanwhile; try again.")

    def _refused(self, request, text: str):
        messages.error(request, text)
        return HttpResponseRedirect(request.get_full_path())


def _home_of_page(path: str) -> str | None:
    """The home-node service of an admin page `/admin/<app_label>/<model>/…`, if any."""
    parts = path.split("/")
    if len(parts) < 4:
        return None
    try:
        model = apps.get_model(parts[2], parts[3])
    except (LookupError, ValueError):
        return None
    return registry.home_service_of(model)


def _duplicate(exc: IntegrityError) -> bool:
    return bool(exc.args) and exc.args[0] == DUPLICATE_KEY
