"""Server keys in the admin: listed read-only, rotated through a confirmation page.

Rotation runs `credential.keys.key_rotate`, the code path of `manage.py credential_keys
rotate`: a new primary on the credential service's home database, the previous primary
accepted for the overlap chosen, then retired.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.admin import ReadOnlyAdminMixin, badge
from credential.forms import KeyRotationForm
from credential.keys import key_rotate
from credential.models import ServerKey

WHEN = "%Y-%m-%d %H:%M UTC"


def key_role(key: ServerKey, now=None) -> str:
    now = now or timezone.now()
    if not key.accepted(now):
        return format_html("{} {}", badge("retired"), f"{key.retires_at:{WHEN}}")
    if key.is_primary:
        return badge("primary", "ok")
    if key.retires_at is not None:
        return format_html("{} {}", badge("accepted until", "warn"), f"{key.retires_at:{WHEN}}")
    return badge("accepted", "warn")


@admin.register(ServerKey)
class ServerKeyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    change_list_template = "admin/credential/serverkey/change_list.html"
    list_display = ["kid", "role", "short_fingerprint", "created_at", "origin_node"]
    # An explicit list, so the wrapped private key can never appear on the page.
    fields = readonly_fields = [
        "kid",
        "algorithm",
        "role",
        "fingerprint_sha256",
        "public_key_pem",
        "created_at",
        "retires_at",
        "updated_at",
        "version",
        "origin_node",
    ]

    @admin.display(description="fingerprint (SHA-256)")
    def short_fingerprint(self, key: ServerKey) -> str:
        return format_html(
            '<code title="{}">{}…</code>', key.fingerprint_sha256, key.fingerprint_sha256[:16]
        )

    @admin.display(description="role")
    def role(self, key: ServerKey) -> str:
        return key_role(key)

    def get_urls(self):
        rotate = self.admin_site.admin_view(self.rotate_view)
        return [path("rotate/", rotate, name="credential_serverkey_rotate"), *super().get_urls()]

    def may_rotate(self, request) -> bool:
        return request.user.has_perm("credential.change_serverkey")

    def changelist_view(self, request, extra_context=None):
        context = {"title": "Server keys", "may_rotate": self.may_rotate(request)}
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def rotate_view(self, request):
        """GET: what rotating will do. POST: rotate, as `credential_keys rotate` does."""
        if not self.may_rotate(request):
            raise PermissionDenied
        form = KeyRotationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            overlap = timedelta(hours=form.cleaned_data["overlap_hours"])
            try:
                new, previous = key_rotate(overlap=overlap)
            except DatabaseError:
                self.message_user(
                    request,
                    "The credential service's home database did not take the new key; nothing "
                    "changed. Check the home node, then try again.",
                    messages.ERROR,
                )
            else:
                self.message_user(request, rotated_message(new, previous))
                return HttpResponseRedirect(reverse("admin:credential_serverkey_changelist"))
        primaries = list(ServerKey.objects.filter(is_primary=True, retires_at__isnull=True))
        context = {
            **self.admin_site.each_context(request),
            "title": "Rotate the server key?",
            "form": form,
            "primaries": primaries,
            "until": timezone.now() + timedelta(hours=overlap_hours(form)),
            "opts": self.opts,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/credential/serverkey/rotate.html", context)


def overlap_hours(form: KeyRotationForm) -> int:
    """The overlap the page describes: the one entered if valid, else the node's default."""
    if form.is_bound and form.is_valid():
        return form.cleaned_data["overlap_hours"]
    return form.fields["overlap_hours"].initial


def rotated_message(new: ServerKey, previous: list[ServerKey]) -> str:
    text = f"New primary key {new.kid} (fingerprint {new.fingerprint_sha256[:16]}…)."
    for old in previous:
        text += f" {old.kid} stays accepted until {old.retires_at:{WHEN}}."
    return text
