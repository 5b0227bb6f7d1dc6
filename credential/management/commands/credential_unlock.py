"""Lift a login lockout: show a name's (and address's) lockout state; `--apply` clears it.

Clearing appends an unlock marker (credential.lockout.lockout_clear): no attempt is
deleted, the marker replicates to the other node like any attempt, and it is audited.
"""

from __future__ import annotations

import ipaddress

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from credential.lockout import UNKNOWN_PREFIX, ScopeState, lockout_clear, lockout_state


class Command(BaseCommand):
    help = "Unlock a username (and maybe an address) locked out of login (dry run unless --apply)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The username, as typed at login.")
        parser.add_argument("--address", help="Also unlock this client address.")
        parser.add_argument("--apply", action="store_true", help="Really clear the lockout.")

    def handle(self, *args, username: str, address: str | None, apply: bool, **options):
        if address is not None:
            try:
                address = str(ipaddress.ip_address(address))
            except ValueError as exc:
                raise CommandError(f"--address: {exc}") from exc
        state = lockout_state(username, address=address)
        if state.name.startswith(UNKNOWN_PREFIX):
            self.stdout.write(
                f"No account is named {username!r}; its attempts count as {state.name}"
            )
        self._show("user", state.user)
        for scope in state.addresses:
            self._show("address", scope)
        if not apply:
            self.stdout.write("Dry run: nothing cleared. Run with --apply to unlock.")
            return
        lockout_clear(username=username, address=address, by=None)
        cleared = f"{state.name}" + (f" and address {address}" if address else "")
        self.stdout.write(self.style.SUCCESS(f"Unlocked {cleared}."))

    def _show(self, kind: str, scope: ScopeState) -> None:
        if scope.locked:
            left = int((scope.locked_until - timezone.now()).total_seconds())
            status = f"locked until {scope.locked_until:%Y-%m-%d %H:%M:%S} UTC ({left} s)"
        else:
            status = "not locked"
        self.stdout.write(
            f"{kind} {scope.subject}: {scope.failures} failure(s) in the window, {status}"
        )
