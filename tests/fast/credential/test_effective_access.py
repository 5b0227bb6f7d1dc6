"""Effective access: own grants and each group's, which wins, as the gateway decides it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from core import registry
from credential.access import DIRECT, SUPERUSER, effective_access
from credential.grants import clear_grant_cache, grants_for_user, grants_payload
from credential.models import Grant

pytestmark = pytest.mark.django_db


def by_code(user) -> dict:
    return {row.code: row for row in effective_access(user)}


@pytest.fixture
def sales(make_user):
    """A member of `sales` (task read+write) and `staff` (task read, notice read)."""
    user = make_user("mira", groups=["sales", "staff"], grants={"task": ("read",)})
    Grant.objects.create(service="task", group=Group.objects.get(name="sales"), can_write=True)
    Grant.objects.create(service="task", group=Group.objects.get(name="staff"))
    Grant.objects.create(service="notice", group=Group.objects.get(name="staff"))
    return user


def test_it_lists_every_grantable_service_in_registry_order(outsider):
    codes = [row.code for row in effective_access(outsider)]
    expected = [c.code for c in registry.services() if c.requires_grant]
    assert codes == expected
    assert all(row.effective == [] for row in effective_access(outsider))


def test_own_and_group_grants_combine_and_the_widest_wins(sales):
    task = by_code(sales)["task"]
    assert task.direct == {"read"}
    assert dict(task.groups) == {"sales": {"read", "write"}, "staff": {"read"}}
    assert task.effective == ["read", "write"]
    assert task.sources == {"read": [DIRECT, "sales", "staff"], "write": ["sales"]}
    assert task.winners == ["sales"]


def test_a_group_grant_alone_gives_access_to_its_members(sales):
    notice = by_code(sales)["notice"]
    assert (notice.direct, notice.effective, notice.winners) == (frozenset(), ["read"], ["staff"])


def test_it_agrees_with_what_the_gateway_decides(sales):
    clear_grant_cache()
    decided = grants_for_user(sales)
    shown = {row.code: set(row.effective) for row in effective_access(sales) if row.effective}
    assert shown == {code: set(actions) for code, actions in decided.items()}


def test_a_superuser_holds_every_action_on_every_service_whatever_the_grants(make_user):
    root = make_user("root", superuser=True, grants={"task": ("read",)})
    rows = effective_access(root)
    assert all(row.effective == ["read", "write", "admin"] for row in rows)
    assert by_code(root)["task"].winners == [SUPERUSER]
    assert {row.code: row.effective for row in rows} == grants_payload(root)


def test_a_deactivated_user_holds_nothing(make_user):
    gone = make_user("gone", active=False, grants={"task": ("read", "write")})
    task = by_code(gone)["task"]
    assert task.direct == {"read", "write"}  # the grant is still there, shown as such
    assert task.effective == []


def test_a_grant_naming_no_installed_service_is_shown_as_such(make_user):
    user = make_user("legacy", grants={"tsk": ("read",)})
    row = by_code(user)["tsk"]
    assert (row.installed, row.effective) == (False, ["read"])


def test_the_user_page_shows_the_table_with_each_groups_column(client, make_user, sales):
    client.force_login(make_user("root", superuser=True, is_staff=True))
    page = client.get(f"/admin/auth/user/{sales.pk}/change/").content.decode()
    table = page.split('data-testid="effective-access"')[1].split("</table>")[0]
    assert ">group <a" in table and ">sales</a>" in table and ">staff</a>" in table
    task_row = table.split('data-service="task"')[1].split("</tr>")[0]
    assert 'data-effective="read,write"' in table
    assert "write from sales" in task_row
    assert "No access to: " in page
