from django.conf import settings
from django.db.models.signals import post_save, pre_save

from core.conflict_policy import ConflictPolicy
from core.registry import ServiceConfig


class CredentialConfig(ServiceConfig):
    """The credential service: login, sessions, users, groups, grants, keys, audit.

    Users, groups, grants, server keys and the routing table are home-node writes (their
    UNIQUE keys and the admins' edits must not race between nodes); sessions, login
    attempts, audit events and request records are conflict-free local writes.
    """

    name = "credential"
    verbose_name = "Credential"
    code = "credential"
    display_name = "Credential"
    conflict_policy = ConflictPolicy.HOME_NODE
    policy_notes = "users, groups, grants, keys and routes on the home node; sessions local"
    business = False
    requires_grant = False  # login comes before any grant
    may_switch_off = False  # switching it off would lock everyone out
    public_paths = ("public-key",)
    home_node_models = (
        "auth.*",
        "credential.serverkey",
        "credential.grant",
        "gateway.serviceroute",
        "gateway.routechange",
        "replication.servicehome",
        "replication.homechange",
    )
    examples = None
    # Other rows on either node reference users and groups at any moment (sessions,
    # notices, shares): they are deactivated, never deleted (docs/ARCHITECTURE.md#rule-8).
    kept_models = ("auth.user", "auth.group")

    def ready(self):
        from credential import password_change

        # A changed password ends the user's sessions (credential/password_change.py).
        user_model = settings.AUTH_USER_MODEL
        pre_save.connect(
            password_change.before_user_save, sender=user_model, dispatch_uid="credential.pw.pre"
        )
        post_save.connect(
            password_change.after_user_save, sender=user_model, dispatch_uid="credential.pw.post"
        )
