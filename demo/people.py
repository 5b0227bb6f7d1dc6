"""The demo organisation's staff, groups and grants (for trial runs only)."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core import registry
from credential.models import Grant

ALL = ("read", "write", "admin")
RW = ("read", "write")

# username → (first name, last name, title, groups)
STAFF = {
    "hana.kim": ("Hana", "Kim", "HR Manager", ["staff", "hr", "managers"]),
    "minjun.lee": ("Minjun", "Lee", "Software Engineer", ["staff", "engineering"]),
    "sofia.rossi": ("Sofia", "Rossi", "Finance Lead", ["staff", "finance", "managers"]),
    "liam.chen": ("Liam", "Chen", "IT Administrator", ["staff", "it"]),
    "amara.okafor": ("Amara", "Okafor", "Operations Coordinator", ["staff", "operations"]),
    "noah.schmidt": ("Noah", "Schmidt", "Account Executive", ["staff", "sales"]),
}


def group_grants() -> dict[str, dict[str, tuple[str, ...]]]:
    """group → {service: actions}; everyone in "staff" reads and writes every service."""
    return {
        "staff": {code: RW for code in registry.business_codes()},
        "hr": {"attendance": ALL, "directory": ALL, "notice": ALL},
        "managers": {"approval": ALL, "notice": ALL},
        "it": {"asset": ALL, "reservation": ALL},
    }


def create_people(*, password: str | None = None) -> tuple[dict, str]:
    """Groups with grants, the staff, and a demo superuser; returns (people, password)."""
    password = password or secrets.token_urlsafe(12)
    User = get_user_model()
    grants_by_group = group_grants()
    groups = {
        name: Group.objects.get_or_create(name=name)[0]
        for name in {g for *_, gs in STAFF.values() for g in gs} | set(grants_by_group)
    }
    for name, grants in grants_by_group.items():
        for code, actions in grants.items():
            Grant.objects.create(
                service=code,
                group=groups[name],
                can_read="read" in actions,
                can_write="write" in actions,
                can_admin="admin" in actions,
            )
    people = {}
    for username, (first, last, _title, member_of) in STAFF.items():
        user = User.objects.create_user(
            username,
            email=f"{username}@example.com",
            password=password,
            first_name=first,
            last_name=last,
        )
        user.groups.set(groups[g] for g in member_of)
        people[username] = user
    people["admin"] = User.objects.filter(
        username="admin"
    ).first() or User.objects.create_superuser(
        "admin", email="admin@example.com", password=password
    )
    return people, password
