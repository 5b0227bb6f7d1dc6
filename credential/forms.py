"""The credential admin's forms: every refusal in words an administrator can act on."""

from __future__ import annotations

import math

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet, InlineForeignKeyField

from core import registry
from credential.admin_writes import grant_delete, grant_save
from credential.grants import known_service_codes
from credential.models import Grant

ACTION_HELP = {
    "can_read": "Use the service and see what it shows to its readers.",
    "can_write": "Create items, and change one's own.",
    "can_admin": "The service's admin powers, such as changing anyone's items.",
}
UNKNOWN_SERVICE = "“{code}” is not a service of this platform: choose one from the list."
CHANGED_MEANWHILE = (
    "This grant was changed by someone else after the page was loaded; reload the page "
    "and make the change again."
)


def service_choices(current: str | None = None) -> list[tuple[str, str]]:
    """The services a grant can name, as the registry lists them (and `current`, if not)."""
    choices = [("", "— choose a service —")]
    for code in _grantable_in_registry_order():
        choices.append((code, f"{registry.service(code).display_name} ({code})"))
    if current and current not in dict(choices):
        choices.append((current, f"{current} — not a service of this platform"))
    return choices


def _grantable_in_registry_order() -> list[str]:
    grantable = set(known_service_codes())
    return [config.code for config in registry.services() if config.code in grantable]


def _holder_field(form, name: str) -> bool:
    """Whether the form lets the editor choose `name` (an inline fixes it to its page)."""
    field = form.fields.get(name)
    return field is not None and not isinstance(field, InlineForeignKeyField)


class GrantForm(forms.ModelForm):
    """A grant to a group or to one person, checked before it is saved.

    Optimistic concurrency (the active-active data rules): a grant changed by someone
    else since this page was loaded is not overwritten; the editor reloads and retries.
    """

    service = forms.ChoiceField(
        help_text="The service this grant opens; the gateway refuses anyone holding none.",
        error_messages={"invalid_choice": UNKNOWN_SERVICE.replace("{code}", "%(value)s")},
    )
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Grant
        fields = ["service", "group", "user", "can_read", "can_write", "can_admin"]
        labels = {"user": "Person"}
        help_texts = {
            "group": "Every member of the group receives it.",
            "user": "Or one person alone. Choose a group or a person, not both.",
            **ACTION_HELP,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = service_choices(self.instance.service or None)
        if self.instance.pk is not None:
            self.fields["seen_version"].initial = self.instance.version

    def clean_service(self) -> str:
        code = self.cleaned_data["service"]
        if code not in known_service_codes():
            raise ValidationError(UNKNOWN_SERVICE.format(code=code))
        return code

    def clean(self):
        cleaned = super().clean()
        self._check_holder(cleaned)
        if not any(cleaned.get(name) for name in ACTION_HELP):
            raise ValidationError(
                "Tick at least one of read, write and admin: a grant with none gives nothing. "
                "To take access away, delete the grant."
            )
        self._check_duplicate(cleaned)
        self._check_version(cleaned)
        return cleaned

    def _check_holder(self, cleaned) -> None:
        if not (_holder_field(self, "group") and _holder_field(self, "user")):
            return
        group, user = cleaned.get("group"), cleaned.get("user")
        # Errors on the fields themselves, so the model's own constraint check (whose
        # message names the constraint) is skipped for them.
        if group and user:
            self.add_error("user", "A grant goes to a group or to one person, not both: clear one.")
        elif not group and not user and "group" not in self.errors:
            self.add_error("group", "Choose who receives this grant: a group, or one person.")

    def _holder(self, cleaned):
        group = cleaned.get("group") if _holder_field(self, "group") else self.instance.group
        user = cleaned.get("user") if _holder_field(self, "user") else self.instance.user
        return group, user

    def _check_duplicate(self, cleaned) -> None:
        group, user = self._holder(cleaned)
        service = cleaned.get("service")
        if not service or bool(group) == bool(user) or (group or user).pk is None:
            return
        others = Grant.objects.filter(service=service).exclude(pk=self.instance.pk)
        others = others.filter(group=group) if group else others.filter(user=user)
        if others.exists():
            who = f"Group “{group.name}”" if group else f"“{user.get_username()}”"
            raise ValidationError(
                f"{who} already has a grant for {service}: change that grant instead."
            )

    def _check_version(self, cleaned) -> None:
        if self.instance.pk is None or not self.has_changed():
            return
        # The admin saves in the same transaction, so the lock holds until the write.
        current = Grant.objects.select_for_update().filter(pk=self.instance.pk)
        if cleaned.get("seen_version") != current.values_list("version", flat=True).first():
            raise ValidationError(CHANGED_MEANWHILE)


class GrantFormSet(BaseInlineFormSet):
    """A group's or a person's grants; saved through `admin_writes`, each change recorded.

    `actor` is set by the inline (the person editing the page).
    """

    actor = None

    def clean(self):
        super().clean()
        seen = {}
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            service = form.cleaned_data.get("service")
            if service and service in seen:
                raise ValidationError(
                    f"Two rows grant {service}: keep one row per service and tick every "
                    "action it should give."
                )
            seen[service] = form

    def save_new(self, form, commit=True):
        grant = form.save(commit=False)
        setattr(grant, self.fk.name, self.instance)
        return grant_save(grant, by=self.actor) if commit else grant

    def save_existing(self, form, obj, commit=True):
        grant = form.save(commit=False)
        return grant_save(grant, by=self.actor) if commit else grant

    def delete_existing(self, obj, commit=True):
        if commit:
            grant_delete(obj, by=self.actor)


class KeyRotationForm(forms.Form):
    overlap_hours = forms.IntegerField(
        label="Keep the current primary accepted for",
        min_value=0,
        max_value=24 * 366,
        error_messages={
            "min_value": "The overlap cannot be negative: 0 stops accepting the key at once.",
            "max_value": "Keep an old key at most a year (8784 hours); rotate again instead.",
        },
        help_text=(
            "Hours. Clients that fetched the current public key may still log in with it "
            "meanwhile; 0 stops accepting it at once."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Rounded up: the form never offers less overlap than the node is configured for.
        hours = math.ceil(settings.CREDENTIAL_KEY_OVERLAP_SECONDS / 3600)
        self.fields["overlap_hours"].initial = hours
