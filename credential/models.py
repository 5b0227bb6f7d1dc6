"""Credential data: server keys, sessions, grants, login attempts and the audit trail.

Active-active (docs/ARCHITECTURE.md): keys, grants and users are home-node writes; sessions
have random UUID keys and only ever move forward (touched, revoked); login attempts and
audit events are append-only. No UNIQUE constraint here can race between nodes.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.activeactive import VersionedModel, this_node_index

ACTIONS = ("read", "write", "admin")


class ServerKey(VersionedModel):
    """An RSA key pair for login key transport; the private half wrapped with the master key."""

    kid = models.CharField(max_length=32, db_index=True)
    algorithm = models.CharField(max_length=20, default="RSA-OAEP-256")
    public_key_pem = models.TextField()
    fingerprint_sha256 = models.CharField(max_length=64)
    wrapped_private_key = models.BinaryField()
    is_primary = models.BooleanField(default=False)
    retires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-is_primary", "-created_at"]

    def __str__(self) -> str:
        return f"{self.kid} ({'primary' if self.is_primary else 'secondary'})"

    def accepted(self, now=None) -> bool:
        return self.retires_at is None or self.retires_at > (now or timezone.now())


class Session(VersionedModel):
    """A client session. The id itself is never stored, only its SHA-256."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    id_hash = models.CharField(max_length=64, db_index=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="platform_sessions"
    )
    wrapped_key = models.BinaryField(editable=False)
    expires_at = models.DateTimeField()
    idle_timeout_seconds = models.PositiveIntegerField()
    last_seen_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=40, blank=True)
    client_app = models.CharField(max_length=100, blank=True)
    client_version = models.CharField(max_length=50, blank=True)
    client_machine = models.CharField(max_length=100, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    # Only the node that created a session prunes it, so two nodes never delete one row
    # (a delete replayed on a replica that already lost the row stops replication).
    created_on_node = models.PositiveSmallIntegerField(default=this_node_index, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "expires_at"]),
            models.Index(fields=["created_on_node", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"session {self.short_ref} of {self.user_id}"

    @property
    def short_ref(self) -> str:
        """A short, non-secret reference for logs: a prefix of the id's hash."""
        return self.id_hash[:12]

    @property
    def idle_expires_at(self):
        return self.last_seen_at + timezone.timedelta(seconds=self.idle_timeout_seconds)

    def ends_at(self):
        return min(self.expires_at, self.idle_expires_at)

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and now < self.ends_at()


class Grant(VersionedModel):
    """Actions on one service, granted to a group or to a single user."""

    service = models.CharField(max_length=40, db_index=True)
    group = models.ForeignKey(
        "auth.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="grants",
    )
    can_read = models.BooleanField("read", default=True)
    can_write = models.BooleanField("write", default=False)
    can_admin = models.BooleanField("admin", default=False)

    class Meta:
        ordering = ["service"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(group__isnull=False, user__isnull=True)
                    | models.Q(group__isnull=True, user__isnull=False)
                ),
                name="credential_grant_to_group_or_user",
            )
        ]

    def __str__(self) -> str:
        holder = f"group {self.group}" if self.group_id else f"user {self.user}"
        return f"{self.service}: {', '.join(self.actions) or 'nothing'} to {holder}"

    @property
    def actions(self) -> list[str]:
        flags = (self.can_read, self.can_write, self.can_admin)
        return [action for action, flag in zip(ACTIONS, flags, strict=True) if flag]


class LoginAttempt(models.Model):
    """Append-only record of each password check, the input of lockout.

    A row is written before its password is checked (`succeeded` False until the check
    passes, so a check in flight counts as a failure); the node that wrote it sets
    `succeeded` once, and no other node ever writes it. `username` is the account's name
    when what was typed names one, else a keyed hash of it (credential/lockout.py): a
    password typed into the username field is never stored. An `unlock` row is a marker
    (credential.lockout.lockout_clear): counting starts again after it.
    """

    class Kind(models.TextChoices):
        PASSWORD = "password", "password check"
        UNLOCK = "unlock", "unlock"

    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PASSWORD)
    username = models.CharField(max_length=150, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    succeeded = models.BooleanField(null=True)  # None on an unlock marker
    via = models.CharField(max_length=10, blank=True)  # api, admin, command
    node_index = models.PositiveSmallIntegerField(default=this_node_index)

    class Meta:
        indexes = [
            models.Index(fields=["username", "at"]),
            models.Index(fields=["client_address", "at"]),
            models.Index(fields=["node_index", "at"]),
        ]

    def __str__(self) -> str:
        outcome = "ok" if self.succeeded else "failed"
        what = "unlock" if self.kind == self.Kind.UNLOCK else outcome
        subject = self.username or self.client_address
        return f"{what} {subject} at {self.at:%Y-%m-%d %H:%M}"


class AuditEvent(models.Model):
    """Append-only security trail; never holds a secret."""

    class Kind(models.TextChoices):
        LOGIN_OK = "login_ok", "login ok"
        LOGIN_FAILED = "login_failed", "login failed"
        LOGIN_LOCKED = "login_locked", "login locked out"
        LOGIN_UNLOCKED = "login_unlocked", "lockout cleared"
        PASSWORD_CHANGED = "password_changed", "password changed"
        LOGOUT = "logout", "logout"
        REVOKE = "revoke", "session revoked"
        DECRYPT_FAILED = "decrypt_failed", "decrypt failure"
        REPLAY = "replay", "replayed nonce"
        PERMISSION_DENIED = "permission_denied", "permission denied"
        KEY_CHANGED = "key_changed", "server key changed"
        # Admin changes: `detail` holds who (`by`), the object and its field changes.
        USER_CHANGED = "user_changed", "user changed"
        USER_DEACTIVATED = "user_deactivated", "user deactivated"
        USER_REACTIVATED = "user_reactivated", "user reactivated"
        GROUP_CHANGED = "group_changed", "group changed"
        GRANT_CHANGED = "grant_changed", "grant changed"
        ROUTE_CHANGED = "route_changed", "route changed"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=32, choices=Kind.choices, db_index=True)
    user_id_ref = models.BigIntegerField("user id", null=True, blank=True, db_index=True)
    username = models.CharField(max_length=150, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    session_ref = models.CharField(max_length=12, blank=True)
    node = models.CharField(max_length=32)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username} at {self.at:%Y-%m-%d %H:%M:%S}"
