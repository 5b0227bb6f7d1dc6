"""The credential service's part of the load balancer's health check."""

from __future__ import annotations

import dataclasses

from django.db import DatabaseError, connections
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable


@dataclasses.dataclass
class KeysLoaded(HealthCheck):
    """A primary server key is there to log clients in with."""

    def run(self):
        from credential.keys import keyring

        try:
            primaries = [key for key in keyring.accepted() if key.is_primary]
        except DatabaseError as exc:
            raise ServiceUnavailable("keys unreadable") from exc
        finally:
            connections.close_all()  # checks run in worker threads: close what this one opened
        if not primaries:
            raise ServiceUnavailable("no primary server key")
