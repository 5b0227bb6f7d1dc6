"""Hostile values, payloads and envelopes for the fuzz tests, and their Hypothesis profiles.

Every request these build is *validly* encrypted (unless a test tampers with it on
purpose), so the hostile content reaches the gateway's parsers and the services' views
instead of stopping at the tag check.

Profiles: `fuzz-ci` (the default: a few examples per test, the whole folder in about a
minute) and `fuzz` (chosen by PLATFORM_FUZZ=1, as `make fuzz` does), which sends more than
10,000 hostile requests in all. Tests take them through `fuzz_settings()`, so the rest of
the suite keeps Hypothesis's own defaults.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from client import crypto
from tests.support.wire import WireRequest

FUZZ = os.environ.get("PLATFORM_FUZZ", "") not in ("", "0", "false")
_COMMON = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Examples per endpoint and method (about 80 of them) and per envelope test. The CI-sized
# run draws the same examples every time, so a red build is never luck; `make fuzz` explores.
settings.register_profile("fuzz-ci", max_examples=6, derandomize=True, **_COMMON)
settings.register_profile("fuzz", max_examples=150, **_COMMON)
PROFILE = "fuzz" if FUZZ else "fuzz-ci"


def fuzz_settings(*, scale: int = 1) -> settings:
    """The active profile; `scale` multiplies its examples (cheap pure-function tests)."""
    base = settings.get_profile(PROFILE)
    return settings(base, max_examples=base.max_examples * scale)


# Hostile scalars ----------------------------------------------------------------------

HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",  # a lone surrogate: JSON may carry it escaped, UTF-8 cannot
    "\udfff\ud800",
    "x\ud83d",
    "\u202eevil\u202c",  # right-to-left override
    "\u200f\u200e\u061c",
    "\ufeff",
    "\u0301\u0301\u0301",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
    "\uffff\ufffe",
    "\r\n",
    "\n\n\n",
    "\t",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "1e999",
    "-0",
    "0x1F",
    "1_000",
    "null",
    "true",
    "None",
    "undefined",
    "[]",
    "{}",
    "' OR '1'='1' --",
    '"; DROP TABLE task_task; --',
    "<script>alert(1)</script>",
    "../../../../etc/passwd",
    "%00",
    "%ff%fe",
    "${jndi:ldap://x/a}",
    "{{7*7}}",
    "%(password)s",
    "2026-02-30T25:61:00Z",
    "0000-00-00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "10000-01-01T00:00:00Z",
    "2026-01-01T00:00:00+99:99",
    "2026-01-01T00:00:00",
    "2026-01-01",
    "-2026-01-01",
    "P1D",
    "Z",
    "+00:00",
]

HOSTILE_INTS = [
    0,
    -1,
    1,
    2,
    -(2**31),
    2**31 - 1,
    2**31,
    2**32,
    2**53 + 1,
    2**63 - 1,
    2**63,
    -(2**63) - 1,
    2**64,
    10**30,
    -(10**30),
    10**300,
]

HOSTILE_FLOATS = [0.5, -0.0, 1.5, -1.5, 1e308, -1e308, 5e-324, 1e16, 2.0**63]


def long_text() -> st.SearchStrategy[str]:
    """Strings at and past the lengths fields allow, up to 10k characters."""
    return st.builds(
        lambda char, size: char * size,
        st.sampled_from(["a", "9", "\u00e9", "\u4e2d", "\U0001f4a9", "\x00", "\u202e"]),
        st.sampled_from([41, 51, 65, 101, 151, 201, 256, 301, 1025, 5_000, 10_000])
        | st.integers(100, 12_000),
    )


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(max_size=40),
        st.text(
            alphabet=st.characters(codec=None, categories=["Cs", "Cc", "Cf", "Zl", "Zp", "So"]),
            max_size=20,
        ),
        long_text(),
    )


def hostile_scalar() -> st.SearchStrategy:
    return st.one_of(
        hostile_text(),
        st.sampled_from(HOSTILE_INTS),
        st.integers(),
        st.sampled_from(HOSTILE_FLOATS),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.none(),
    )


def hostile_json() -> st.SearchStrategy:
    """Any JSON value, biased to the hostile: scalars, lists and objects, a few levels deep."""
    return st.recursive(
        hostile_scalar(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(hostile_text() | st.sampled_from(FIELD_NAMES), inner, max_size=4),
        ),
        max_leaves=12,
    )


def deeply_nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


# Field names every payload may carry, whatever the endpoint: ownership and bookkeeping
# fields a client must never be able to set, and the names the services use.
FIELD_NAMES = [
    "id",
    "pk",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
    "origin_node",
    "owner",
    "creator",
    "author",
    "drafter",
    "sender",
    "user",
    "user_id",
    "holder",
    "booker",
    "is_superuser",
    "is_staff",
    "status",
    "state",
    "page",
    "page_size",
    "__proto__",
    "",
    "\x00",
]

# Raw plaintexts that are not JSON, or JSON no decoder should be asked to trust.
RAW_BODIES = [
    b"{",
    b"}",
    b"[",
    b'{"a":}',
    b'{"a":1,}',
    b"{'a': 1}",
    b'{"a":1}{"b":2}',
    b'{"a":1} trailing',
    b"\xff\xfe{}",
    b"\xef\xbb\xbf{}",  # a UTF-8 byte order mark
    b'{"a":"\xc3\x28"}',  # invalid UTF-8 inside a string
    b'{"a":"\xed\xa0\x80"}',  # a surrogate encoded as UTF-8 (CESU-8)
    b'{"a":"\\ud800"}',
    b'{"title":"\\udc00\\ud800"}',
    b"\x00",
    b"\x00" * 64,
    b"NaN",
    b"Infinity",
    b'{"a":NaN}',
    b'{"a":-Infinity}',
    b'{"version":1e999}',
    b'{"version":-1e999}',
    b'{"a":1,"a":2}',
    b"null",
    b"true",
    b"0",
    b"-1",
    b'"text"',
    b"[]",
    b"[{}]",
    b"\n",
    bytes(range(256)),
]
# Built on demand, so the strategies' own descriptions stay short.
BIG_BODIES = [
    lambda: b'{"version":' + b"1" * 5000 + b"}",
    lambda: b"[" * 50_000 + b"]" * 50_000,
    lambda: b'{"a":' + b"[" * 3_000 + b"]" * 3_000 + b"}",
    lambda: b" " * 1000,
    lambda: b'{"title":"' + b"a" * 1_048_576 + b'"}',
]


def raw_body() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.sampled_from(RAW_BODIES),
        st.binary(max_size=64),
        st.integers(100, 5_000).map(deeply_nested),
        st.sampled_from(range(len(BIG_BODIES))).map(lambda i: BIG_BODIES[i]()),
    )


@st.composite
def json_bytes(draw, value_strategy) -> bytes:
    """A JSON text of a drawn value, spelled the ways a client might spell it."""
    value = draw(value_strategy)
    style = draw(st.sampled_from(["ascii", "utf8", "surrogatepass", "pretty", "nan"]))
    if style == "ascii":  # lone surrogates travel as \\udXXX escapes
        return json.dumps(value).encode("ascii")
    if style == "pretty":
        return json.dumps(value, indent=2).encode("ascii")
    if style == "nan":  # the non-standard tokens Python's own encoder would write
        return json.dumps(value).replace("0.5", "NaN").replace("1e+308", "Infinity").encode()
    text = json.dumps(value, ensure_ascii=False)
    # UTF-8 cannot hold a lone surrogate: the bytes carry it as CESU-8 ("surrogatepass")
    # or as a lone invalid byte ("surrogateescape"), invalid UTF-8 either way.
    errors = "surrogatepass" if style == "surrogatepass" else "surrogateescape"
    try:
        return text.encode("utf-8", errors)
    except UnicodeEncodeError:
        return json.dumps(value).encode("ascii")


# Schema-driven payloads ----------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One request field as the OpenAPI schema of the decrypted API describes it."""

    name: str
    kind: str = "string"  # JSON Schema type
    fmt: str = ""
    enum: tuple = ()
    item_kind: str = ""


@dataclass
class World:
    """What the seeded node offers a payload: real ids, names, times."""

    ids: list[int] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    group_names: list[str] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)


def _iso(seconds_from_now: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds_from_now))


def plausible(spec: Field, world: World) -> st.SearchStrategy:
    """A value the endpoint could accept, so that hostile ones meet a passing neighbour."""
    if spec.enum:
        return st.sampled_from(list(spec.enum))
    if spec.kind == "integer":
        return (
            st.sampled_from(world.ids + world.user_ids + [1, 2, 3])
            if world.ids
            else st.integers(1, 9)
        )
    if spec.kind == "number":
        return st.floats(0, 1000)
    if spec.kind == "boolean":
        return st.booleans()
    if spec.kind == "array":
        item = Field(spec.name, spec.item_kind or "integer")
        return st.lists(plausible(item, world), max_size=3)
    if spec.fmt == "date-time":
        return st.integers(-7 * 86400, 30 * 86400).map(_iso)
    if spec.fmt == "date":
        return st.integers(-30, 300).map(lambda days: _iso(days * 86400)[:10])
    if spec.kind == "object":
        return st.dictionaries(st.sampled_from(["app", "version", "machine"]), st.text(max_size=20))
    if spec.name == "username" and world.usernames:
        return st.sampled_from(world.usernames)
    if spec.name in ("group", "groups", "audience"):
        return st.sampled_from(world.group_names or ["staff"])
    return st.text(min_size=1, max_size=30)


def _query_value() -> st.SearchStrategy:
    """What a query object may hold: strings, numbers, booleans, lists of those."""
    scalar = hostile_scalar().filter(lambda v: v is not None)
    return st.one_of(scalar, st.lists(scalar, max_size=3))


@st.composite
def object_payload(draw, fields: list[Field], world: World, *, query: bool = False) -> dict:
    """Some of the endpoint's fields (plausible or hostile), and maybe foreign ones.

    A query object (`query`) mostly keeps to the value types a query may hold, so that
    most reach the view instead of stopping at the gateway's type check.
    """
    hostile_value = _query_value() if query else hostile_json()
    chosen = draw(st.lists(st.sampled_from(fields), unique_by=lambda f: f.name)) if fields else []
    out = {
        spec.name: draw(st.one_of(plausible(spec, world), plausible(spec, world), hostile_value))
        for spec in chosen
    }
    extra = draw(
        st.dictionaries(st.sampled_from(FIELD_NAMES) | hostile_text(), hostile_value, max_size=3)
    )
    return {**extra, **out} if draw(st.booleans()) else {**out, **extra}


def body_for(method: str, fields: list[Field], world: World) -> st.SearchStrategy[bytes]:
    """The plaintext of a request: for GET/DELETE mostly a query object, else a JSON body."""
    if method in ("GET", "DELETE", "HEAD"):
        query_fields = [Field(f.name, f.kind, f.fmt, f.enum) for f in fields]
        query_fields += [Field("page", "integer"), Field("page_size", "integer")]
        query = object_payload(query_fields, world, query=True)
        return st.one_of(
            json_bytes(query),
            json_bytes(query),
            json_bytes(query),
            st.just(b""),
            json_bytes(object_payload(query_fields, world)),
            json_bytes(hostile_json()),
            raw_body(),
        )
    return st.one_of(
        json_bytes(object_payload(fields, world)),
        json_bytes(object_payload(fields, world)),
        json_bytes(object_payload(fields, world)),
        json_bytes(hostile_json()),
        raw_body(),
        st.just(b""),
    )


# The raw target of a request ------------------------------------------------------------

HOSTILE_IDS = [
    "0",
    "00000000001",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "9" * 40,
    "1" * 400,
]


def quoted(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


@st.composite
def raw_query(draw, names: list[str]) -> str:
    """A query string as sent on the wire: hostile values, broken escapes, odd separators."""
    pairs = draw(
        st.lists(
            st.tuples(
                st.sampled_from([*names, "page", "page_size", "version", *FIELD_NAMES]),
                hostile_text().map(quoted) | st.sampled_from(["%", "%zz", "%ff", "%00", "%C0%80"]),
            ),
            max_size=4,
        )
    )
    text = "&".join(f"{quoted(name)}={value}" for name, value in pairs)
    junk = draw(st.sampled_from(["", "", "", "&", "&&=&", "=", ";a=1", "a", "a=1=2"]))
    return text + junk


# Envelopes -----------------------------------------------------------------------------


def envelope(
    *,
    key: bytes,
    method: str,
    path: str,
    plaintext: bytes = b"",
    query: str = "",
    session_id: str = "",
    timestamp: str | None = None,
    extra: dict | None = None,
) -> WireRequest:
    """A correctly sealed request around any plaintext bytes (JSON or not)."""
    timestamp = str(int(time.time() * 1000)) if timestamp is None else timestamp
    sealed = crypto.seal_request(
        key=key,
        method=method,
        path=path,
        query=query,
        session_id=session_id,
        timestamp=timestamp,
        plaintext=plaintext,
    )
    headers = {"X-Nonce": sealed.nonce_b64, "X-Timestamp": timestamp, "X-Tag": sealed.tag_b64}
    if session_id:
        headers["X-Session-Id"] = session_id
    headers.update(extra or {})
    return WireRequest(method, path, query, headers, sealed.ciphertext, key)


def login_envelope(
    server_key, plaintext: bytes, *, path: str = "/api/v1/credential/login", **kwargs
) -> WireRequest:
    """A login request: a fresh session key, wrapped for `server_key`, seals `plaintext`."""
    key = os.urandom(32)
    wrapped = crypto.wrap_session_key(server_key.public_key_pem, key)
    extra = {"X-Key-Id": server_key.kid, "X-Encrypted-Key": crypto.b64(wrapped)}
    extra.update(kwargs.pop("extra", None) or {})
    return envelope(key=key, method="POST", path=path, plaintext=plaintext, extra=extra, **kwargs)


def hostile_header_value() -> st.SearchStrategy[str]:
    """What a header might hold: not base64, wrong sizes, odd spellings, huge, non-ASCII."""
    b64 = st.binary(max_size=40).map(crypto.b64)
    return st.one_of(
        b64,
        b64.map(lambda v: v.rstrip("=")),
        b64.map(lambda v: v + "="),
        b64.map(lambda v: v.replace("+", "-").replace("/", "_")),
        b64.map(lambda v: " " + v),
        b64.map(lambda v: v[:4] + "\n" + v[4:]),
        st.sampled_from(
            [
                "",
                " ",
                "=",
                "====",
                "AAAA",
                "A",
                "null",
                "-1",
                "0",
                "\x00",
                "\u00e9",
                "\U0001f600",
                "x" * 9000,
                "9" * 40,
                "\uff11\uff12\uff13",
            ]
        ),
        st.text(max_size=30),
        st.text(alphabet=st.characters(max_codepoint=255), max_size=30),
    )
