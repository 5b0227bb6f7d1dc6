"""The request target (path and query) in the one spelling that goes on the wire.

The AAD covers the path and query exactly as sent, so the client fixes one canonical
spelling before it builds the AAD, and that spelling must survive the HTTP library
unchanged (requests re-quotes URLs) and match what the server reconstructs:

- path: percent-decoded, then re-encoded keeping ``/:@&+$,-_.!~*'()`` and the
  unreserved characters literal (the same set Django's ``escape_uri_path`` keeps);
- query: every ``&``-separated key and value decoded and re-encoded with
  ``quote_plus`` (space as ``+``); empty pairs are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlencode

PATH_SAFE = "/:@&+$,-_.!~*'()"


def canonical_path(path: str) -> str:
    if not path.startswith("/"):
        raise ValueError("a request path must start with '/'")
    if "#" in path:
        raise ValueError("a request path may not carry a fragment")
    segments = unquote(path).split("/")
    if any(segment in (".", "..") for segment in segments):
        raise ValueError("a request path may not contain '.' or '..' segments")
    return quote(unquote(path), safe=PATH_SAFE)


def canonical_query(query: str) -> str:
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        pairs.append(_q(name) + sep + _q(value))
    return "&".join(pairs)


def _q(text: str) -> str:
    return quote_plus(unquote_plus(text), safe="")


def _flatten(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for name, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        items.extend((name, _text(v)) for v in values)
    return items


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def split_target(path_and_query: str, params: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """Canonical (path, query) from a path that may carry a query, plus extra params."""
    path, _, query = path_and_query.partition("?")
    extra = urlencode(_flatten(params)) if params else ""
    query = "&".join(part for part in (query, extra) if part)
    return canonical_path(path), canonical_query(query)


def join_target(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path
