"""Trust on first use of server keys: a known-keys file, in the manner of SSH's known_hosts.

The key list (`GET /api/v1/credential/public-key`) travels unauthenticated, so a client
that believes any list hands its session key to whoever answers. A client shipped with
fingerprints pins them (`pinned_fingerprints`); any other remembers what it saw:

- first contact (no key known for any of the client's URLs): every key of the list is
  remembered under the origin that served it, and used;
- later: the list must hold at least one remembered key, else it is refused
  (`UnknownServerKey`, naming the file and how to accept a deliberate change);
- a rotation (the list holds the new primary and the previous key, the server accepts
  both): the new key is remembered, but this connection still logs in with a key that
  was known before it, so a key is never used in the connection that introduced it.

One line per key: `<origin> <fingerprint_sha256> [<kid>]`; `#` starts a comment. The
keys remembered for any of a client's URLs count for all of them: the URLs given
together (a balancer and its nodes, for failover) are one platform with one key set.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from client.crypto import normalise_fingerprint
from client.errors import ClientError, PinningError
from client.keys import ServerKey

DEFAULT_KNOWN_KEYS_FILE = Path("~/.config/platform-client/known_keys")
HEADER = (
    "# Server keys this client has seen: <origin> <fingerprint_sha256> [<kid>].\n"
    "# Written by the platform's reference client on first use; see docs/PROTOCOL.md.\n"
)


class UnknownServerKey(PinningError):
    """The server offered no key the known-keys file holds for it."""


def origin(base_url: str) -> str:
    """`scheme://host[:port]` in lower case: what a known key is remembered under."""
    parts = urlsplit(base_url)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"{base_url!r} is not an absolute URL")
    return f"{parts.scheme}://{parts.netloc}".lower()


class KnownKeys:
    """The known-keys file at `path` (created, mode 0600, when first written)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path).expanduser()
        self.added: list[tuple[str, str, str]] = []  # (origin, fingerprint, kid) remembered

    def __repr__(self) -> str:
        return f"KnownKeys({str(self.path)!r})"

    def entries(self) -> list[tuple[str, str, str]]:
        """(origin, fingerprint, kid) of every line; a line that does not parse is an error."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        entries = []
        for number, line in enumerate(text.splitlines(), start=1):
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            fingerprint = normalise_fingerprint(fields[1]) if len(fields) > 1 else ""
            if len(fields) > 3 or len(fingerprint) != 64 or "://" not in fields[0]:
                raise ClientError(f"{self.path}:{number} is not `<origin> <fingerprint> [<kid>]`")
            entries.append((fields[0].lower(), fingerprint, fields[2] if len(fields) > 2 else ""))
        return entries

    def fingerprints(self, base_urls: Iterable[str]) -> set[str]:
        wanted = {origin(url) for url in base_urls}
        return {fp for server, fp, _ in self.entries() if server in wanted}

    def add(self, base_url: str, fingerprint: str, kid: str = "") -> bool:
        """Remember one key for the origin of `base_url`; False when it was known already."""
        server, fingerprint = origin(base_url), normalise_fingerprint(fingerprint)
        if len(fingerprint) != 64:
            raise ValueError("a fingerprint is 64 hex digits (SHA-256)")
        if any(s == server and fp == fingerprint for s, fp, _ in self.entries()):
            return False
        self._append(" ".join(part for part in (server, fingerprint, kid) if part) + "\n")
        self.added.append((server, fingerprint, kid))
        return True

    def admit(self, keys: list[ServerKey], *, base_urls: list[str], serving: str) -> set[str]:
        """The fingerprints a key may be chosen from, remembering what is new (see module)."""
        known = self.fingerprints(base_urls)
        offered = {key.fingerprint_sha256 for key in keys}
        if known and not known & offered:
            raise UnknownServerKey(self._refusal(serving, keys))
        for key in keys:
            if key.fingerprint_sha256 not in known:
                self.add(serving, key.fingerprint_sha256, key.kid)
        return (known & offered) or offered

    def _refusal(self, serving: str, keys: list[ServerKey]) -> str:
        shown = ", ".join(f"{key.fingerprint_sha256} (kid {key.kid})" for key in keys) or "none"
        return (
            f"the server at {serving} offered no key known for it in {self.path}; it offered "
            f"{shown}. If its keys were replaced on purpose, confirm the new fingerprint with "
            "the platform's operators (`manage.py credential_keys list` on a node), then accept "
            f"it: `python -m client --url {serving} trust-key <fingerprint>` (or delete the "
            "server's lines from the file). Otherwise someone may be intercepting the connection."
        )

    def _append(self, line: str) -> None:
        """Append one line (created with mode 0600); earlier lines and comments stay as they are."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            if handle.tell() == 0:
                handle.write(HEADER)
            handle.write(line)
