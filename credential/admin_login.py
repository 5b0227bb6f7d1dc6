"""The admin's sign-in under the API's lockout: one gate, one store, one audit trail.

`/admin/login/` (and the ops dashboard, which signs in through it) checks passwords with
`credential.login.password_check`, exactly as the API's login does: the attempt is
recorded before the password is checked, the same per-name and per-address counts
apply (an API failure counts against the admin sign-in and the other way round), and
every outcome is an audit event with `via: admin` (`login_ok`, `login_failed`,
`login_locked`). A locked sign-in answers **429** with `Retry-After` and the form, whose
error says when to try again; no password is checked. `lockout_clear` (the admin's
unlock action, `manage.py credential_unlock`) lifts it.

Wired in platform_site/urls.py: `AdminSite.login_form` is this form, and
`/admin/login/` is `login_view`, which only adds the status code to the admin's own view.
"""

from __future__ import annotations

import math

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.views.decorators.cache import never_cache

from credential.audit import Kind, audit
from credential.login import password_check


class LockoutAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in form, checking the password through the lockout gate."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "locked_out": (
            "Too many failed sign-ins for this account or from this address. "
            "Try again in %(minutes)d minute(s)."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.lock = None

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return self.cleaned_data
        address = self.request.META.get("REMOTE_ADDR") if self.request else None
        check = password_check(
            username=username, password=password, address=address, via="admin", request=self.request
        )
        if check.lock is not None:
            self.lock = check.lock
            minutes = math.ceil(check.lock.retry_after_seconds / 60)
            raise ValidationError(
                self.error_messages["locked_out"], code="locked_out", params={"minutes": minutes}
            )
        if check.user is None:
            raise self.get_invalid_login_error()
        try:
            self.confirm_login_allowed(check.user)  # active, and staff
        except ValidationError:
            audit(Kind.LOGIN_FAILED, user=check.user, address=address, via="admin", staff=False)
            raise
        self.user_cache = check.user
        audit(Kind.LOGIN_OK, user=check.user, address=address, via="admin")
        return self.cleaned_data


@never_cache
def login_view(request, extra_context=None):
    """The admin site's own login view; a locked sign-in's answer becomes a 429."""
    response = admin.site.login(request, extra_context)
    context = getattr(response, "context_data", None) or {}
    lock = getattr(context.get("form"), "lock", None)
    if lock is not None:
        response.status_code = 429
        response["Retry-After"] = str(lock.retry_after_seconds)
    return response
