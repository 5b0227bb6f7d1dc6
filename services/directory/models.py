"""The organisation directory: departments (a tree) and staff profiles.

Policy: last-writer-wins (either node may update; `version` guards each edit, soft
deletion only). A user has at most one live profile; that is enforced in code, not by a
UNIQUE constraint (or a OneToOneField), which two nodes creating a profile could race on.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from services.base.models import ServiceModel

phone_number = RegexValidator(
    r"^\+?[0-9][0-9 ()./-]{2,38}$", "Digits, spaces and + ( ) . / - only, e.g. +44 20 7946 0958."
)


class Department(ServiceModel):
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class StaffProfile(ServiceModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_profiles"
    )
    display_name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    phone = models.CharField(max_length=40, blank=True, validators=[phone_number])
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["display_name", "id"]
        indexes = [models.Index(fields=["user"]), models.Index(fields=["display_name"])]

    def __str__(self) -> str:
        return self.display_name
