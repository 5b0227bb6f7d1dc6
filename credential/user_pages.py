"""The person page's read-only sections and its confirmation pages, rendered for the admin."""

from __future__ import annotations

from django.contrib.admin import helpers
from django.contrib.auth.models import Group
from django.template.defaultfilters import timesince
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from core.admin import badge
from credential.access import DIRECT, SUPERUSER, effective_access
from credential.lockout import lockout_state
from credential.models import ACTIONS, AuditEvent
from credential.sessions import sessions_active_for_user

Kind = AuditEvent.Kind
READONLY = [
    "account_state",
    "last_client_sign_in",
    "effective_access",
    "live_sessions",
    "signin_lockout",
]
ACCESS_HELP = (
    "What this person may do in each service of the desktop client, and why. Grants only "
    "add actions: the person holds their own grants and every group's together, so the "
    "widest wins. Their own grants are edited at the foot of this page, a group's on the "
    "group's page."
)
ADMIN_HELP = (
    "Staff status lets this person sign in to this admin and the operations dashboard. A "
    "superuser may use every admin page and holds every action in every service, whatever "
    "the grants say. For a staff member who is not a superuser, the Django permissions "
    "shown here choose which admin pages they may use; they have no effect in the desktop "
    "client, where grants decide."
)
GROUPS_HELP = "Each group's grants apply to every member; the table above shows them."
GROUP_PERMISSIONS_HELP = (
    "Django permissions: which admin pages this group's staff members may use. They have "
    "no effect in the desktop client, where the grants below decide."
)
WHEN = "%Y-%m-%d %H:%M UTC"


def fieldsets(user) -> list:
    """What an administrator asks first comes first: may they sign in, what may they do."""
    admin_fields = ["is_staff", "is_superuser"]
    if user.is_staff and not user.is_superuser:
        admin_fields.append("user_permissions")
    return [
        (None, {"fields": ["username", "account_state", "last_client_sign_in"]}),
        ("Effective access", {"fields": ["effective_access"], "description": ACCESS_HELP}),
        ("Client sessions", {"fields": ["live_sessions"]}),
        ("Sign-in lockout", {"fields": ["signin_lockout"]}),
        ("Groups", {"fields": ["groups"]}),
        ("Person", {"fields": ["first_name", "last_name", "email", "password", "date_joined"]}),
        ("Admin access", {"fields": [*admin_fields, "last_login"], "description": ADMIN_HELP}),
    ]


def account_badge(user) -> str:
    if user.is_active:
        return badge("active", "ok")
    return badge("deactivated", "bad")


def account_state(user) -> str:
    if user.is_active:
        return format_html("{} may sign in.", account_badge(user))
    event = (
        AuditEvent.objects.filter(user_id_ref=user.pk, kind=Kind.USER_DEACTIVATED)
        .order_by("-at")
        .first()
    )
    since = f" since {event.at:{WHEN}} by {event.detail.get('by', '?')}" if event else ""
    return format_html("{} sign-in refused{}.", account_badge(user), since)


def last_client_sign_in(user) -> str:
    event = (
        AuditEvent.objects.filter(user_id_ref=user.pk, kind=Kind.LOGIN_OK).order_by("-at").first()
    )
    if event is None:
        return "Never signed in from a client."
    client = event.detail.get("client") or {}
    app = " ".join(filter(None, [str(client.get("app", "")), str(client.get("version", ""))]))
    where = f" from {event.client_address}" if event.client_address else ""
    return f"{event.at:{WHEN}} on node {event.node}{where}" + (f" ({app})" if app else "")


def _actions(actions) -> str:
    return ", ".join(action for action in ACTIONS if action in actions) or "—"


def _source(source: str) -> str:
    return {DIRECT: "own grant", SUPERUSER: "superuser"}.get(source, source)


def _effective_cell(row) -> str:
    if not row.effective:
        return format_html('<span class="muted">{}</span>', "no access")
    badges = format_html_join(" ", "{}", ((badge(action, "ok"),) for action in row.effective))
    winners = ", ".join(_source(source) for source in row.winners)
    return format_html(
        '{} <span class="muted">{} from {}</span>', badges, row.effective[-1], winners
    )


def access_table(user) -> str:
    rows = effective_access(user)
    held = [row for row in rows if row.effective or row.direct or row.groups]
    groups = sorted({name for row in held for name, _ in row.groups})
    without = [row.name for row in rows if row not in held and row.installed]
    head = format_html_join("", "<th>group {}</th>", ((_group_link(name),) for name in groups))
    body = format_html_join("", "{}", ((_access_row(row, groups),) for row in held))
    table = (
        format_html(
            '<table class="platform-table" data-testid="effective-access"><thead><tr>'
            "<th>Service</th><th>Effective (the widest wins)</th><th>Own grant</th>{}</tr>"
            "</thead><tbody>{}</tbody></table>",
            head,
            body,
        )
        if held
        else format_html("<p>{}</p>", "No grant for any service.")
    )
    rest = format_html('<p class="muted">No access to: {}.</p>', ", ".join(without))
    return format_html(
        '<div style="width:100%">{}{}{}</div>', _notes(user), table, rest if without else ""
    )


def _group_link(name: str) -> str:
    group = Group.objects.filter(name=name).values_list("pk", flat=True).first()
    if group is None:
        return name
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:auth_group_change", args=[group]), name
    )


def _access_row(row, groups: list[str]) -> str:
    name = f"{row.name} ({row.code})" if row.name != row.code else row.code
    if not row.installed:
        name += " — not a service of this platform"
    cells = format_html_join(
        "", "<td>{}</td>", ((_actions(row.group_actions(group)),) for group in groups)
    )
    return format_html(
        '<tr data-service="{}" data-effective="{}"><td>{}</td><td>{}</td><td>{}</td>{}</tr>',
        row.code,
        ",".join(row.effective),
        name,
        _effective_cell(row),
        _actions(row.direct),
        cells,
    )


def _notes(user) -> str:
    notes = []
    if not user.is_active:
        notes.append("Deactivated: sign-in is refused, so nothing below applies until reactivated.")
    if user.is_superuser:
        notes.append("Superuser: every action in every service, whatever the grants say.")
    return format_html_join("", "<p><strong>{}</strong></p>", ((note,) for note in notes))


def sessions_table(user) -> str:
    """Live sessions with revoke buttons; the buttons submit the small forms that
    `change_form.html` renders after the page's form (HTML forms cannot nest)."""
    sessions = sessions_active_for_user(user)
    listing = reverse("admin:credential_session_changelist") + f"?user__id__exact={user.pk}"
    if not sessions:
        return format_html(
            '<p id="sessions" data-testid="sessions">No live session. '
            '<a href="{}">Every session</a></p>',
            listing,
        )
    rows = format_html_join(
        "",
        '<tr data-ref="{}"><td>{}</td><td>{}</td><td>{}</td><td>{} ago</td><td>{}</td>'
        '<td>{}</td><td><button type="submit" class="button" form="revoke-{}" '
        'data-testid="revoke-{}">Revoke</button></td></tr>',
        (
            (
                s.short_ref,
                " ".join(filter(None, [s.client_app, s.client_version])) or "—",
                s.client_machine or "—",
                s.client_address or "—",
                timesince(s.last_seen_at),
                f"{s.ends_at():{WHEN}}",
                s.created_on_node,
                s.pk,
                s.short_ref,
            )
            for s in sessions
        ),
    )
    return format_html(
        '<div id="sessions" style="width:100%" data-testid="sessions">'
        '<table class="platform-table"><thead><tr>'
        "<th>Client</th><th>Machine</th><th>Address</th><th>Last seen</th><th>Ends</th>"
        "<th>Opened on node</th><th></th></tr></thead><tbody>{}</tbody></table>"
        '<p>{}<a href="{}">Every session, ended ones too</a></p></div>',
        rows,
        _revoke_all(len(sessions)),
        listing,
    )


def _revoke_all(count: int) -> str:
    if count < 2:
        return ""
    return format_html(
        '<button type="submit" class="button" form="revoke-all" data-testid="revoke-all">'
        "Revoke all {} sessions</button> ",
        count,
    )


def lockout_section(user) -> str:
    """The sign-in lockout of this person (API and admin alike), with Unlock when locked;
    the button submits the small form `change_form.html` renders after the page's form."""
    state = lockout_state(user.get_username())
    scopes = [("this login name", state.user)] + [
        (f"address {a.subject}", a) for a in state.addresses
    ]
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                label,
                scope.failures,
                f"locked until {scope.locked_until:{WHEN}}" if scope.locked else "not locked",
            )
            for label, scope in scopes
        ),
    )
    unlock = (
        format_html(
            '<button type="submit" class="button" form="unlock" data-testid="unlock">{}</button>',
            "Unlock (sign-in allowed again now)",
        )
        if state.locked
        else ""
    )
    return format_html(
        '<div id="lockout" data-testid="lockout" data-locked="{}"><table class="platform-table">'
        "<thead><tr><th>Counted by</th><th>Failures in the window</th><th>State</th></tr>"
        "</thead><tbody>{}</tbody></table><p>{}</p></div>",
        "yes" if state.locked else "no",
        rows,
        unlock,
    )


def confirm_page(model_admin, request, users, *, action: str, bulk: bool = False):
    """The page asking to confirm a deactivation or reactivation, saying what happens."""
    people = [(user, len(sessions_active_for_user(user))) for user in users]
    verb = "Deactivate" if action == "deactivate" else "Reactivate"
    names = ", ".join(str(user) for user in users)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"{verb} {names}?",
        "action": action,
        "people": people,
        "bulk": bulk,
        "opts": model_admin.opts,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "self_included": any(user.pk == request.user.pk for user in users),
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/credential/user/confirm_activation.html", context)
