"""A node's password hasher that also counts: one line per hash in PLATFORM_TEST_HASH_LOG.

The database tier runs gunicorn nodes with `tests.support.counting_settings`, which puts
this hasher first, so a test can count how many passwords the node really checked
(Django hashes for unknown users too), independently of what the lockout records.
"""

from __future__ import annotations

import os

from credential.hashers import PlatformArgon2PasswordHasher


def _count(what: str) -> None:
    path = os.environ.get("PLATFORM_TEST_HASH_LOG")
    if path:
        # One short O_APPEND write per line: lines from concurrent workers never interleave.
        with open(path, "a") as log:
            log.write(f"{os.getpid()} {what}\n")


class CountingHasher(PlatformArgon2PasswordHasher):
    def verify(self, password, encoded):
        _count("verify")
        return super().verify(password, encoded)

    def encode(self, password, salt):
        _count("encode")
        return super().encode(password, salt)
