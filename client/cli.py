"""`python -m client`: the reference client on the command line.

It connects to `--url` (repeatable), else `PLATFORM_URL` (comma-separated), else the
trial node of this checkout (client/local_node.py), and says which on stderr. The
session (id and key) is kept between invocations in a file readable by its owner only
(mode 0600). Server keys are pinned with `--pin`, or trusted on first use through a
known-keys file (client/known_keys.py). Passwords come from a terminal prompt, the
first line of stdin (`--password-stdin`) or a named environment variable
(`--password-env`), never from argv.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any, TextIO

from client.cli_state import known_keys_file, load_session, save_session, session_file
from client.errors import ClientError
from client.known_keys import KnownKeys
from client.local_node import local_node_url
from client.response import Response
from client.session import PlatformClient
from client.table import render_table
from client.transport import RequestsTransport, Transport

PASSWORD_ENV = "PLATFORM_PASSWORD"  # noqa: S105 (the name of a variable, not a password)
CLIENT_VERSION = "1"
BODY_COMMANDS = ("post", "put", "patch")
QUERY_COMMANDS = ("get", "delete")


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url",
        action="append",
        default=argparse.SUPPRESS,
        help="node or balancer base URL; repeat for failover (env PLATFORM_URL; "
        "default: this checkout's trial node, PORT from the environment or .env)",
    )
    common.add_argument(
        "--pin",
        action="append",
        default=argparse.SUPPRESS,
        help="accepted server key fingerprint (SHA-256 hex), repeatable; "
        "without it keys are trusted on first use (env PLATFORM_CLIENT_KNOWN_KEYS)",
    )
    common.add_argument(
        "--ca-file",
        default=argparse.SUPPRESS,
        metavar="FILE",
        help="CA certificate(s) to verify an HTTPS node with (env PLATFORM_CA_FILE)",
    )
    common.add_argument(
        "--format",
        choices=("json", "table"),
        default=argparse.SUPPRESS,
        help="output: the answer's JSON (default) or a table of a list's rows",
    )
    common.add_argument("--timeout", type=float, default=argparse.SUPPRESS, help="seconds")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="python -m client", parents=[common], description="Reference client of the platform."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    login = commands.add_parser("login", parents=[common], help="log in and keep the session")
    login.add_argument("username")
    source = login.add_mutually_exclusive_group()
    source.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin",
    )
    source.add_argument(
        "--password-env",
        nargs="?",
        const=PASSWORD_ENV,
        metavar="NAME",
        help=f"read the password from environment variable NAME (default {PASSWORD_ENV})",
    )
    for name in QUERY_COMMANDS + BODY_COMMANDS:
        sub = commands.add_parser(name, parents=[common], help=f"encrypted {name.upper()}")
        sub.add_argument("path", help="e.g. /api/v1/task/tasks/?page=2")
        sub.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="query parameter sent in the URL; repeatable",
        )
        sub.add_argument(
            "--data",
            metavar="JSON|@FILE|-",
            help="JSON body (for GET/DELETE: the encrypted query object)",
        )
    commands.add_parser("logout", parents=[common], help="end the session")
    commands.add_parser("public-key", parents=[common], help="show the server keys")
    trust = commands.add_parser(
        "trust-key", parents=[common], help="accept a server key (after a rotation you checked)"
    )
    trust.add_argument("fingerprint", help="SHA-256 fingerprint, hex (colons allowed)")
    return parser


def _read_data(value: str | None, stdin: TextIO) -> Any:
    if value is None:
        return None
    if value == "-":
        value = stdin.read()
    elif value.startswith("@"):
        value = Path(value[1:]).read_text(encoding="utf-8")
    try:
        return json.loads(value)
    except ValueError as exc:
        raise ClientError("--data is not valid JSON") from exc


def _params(pairs: list[str]) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise ClientError(f"--param {pair!r} is not NAME=VALUE")
        params.setdefault(name, []).append(value)
    return params


def base_urls(args: argparse.Namespace) -> tuple[list[str], str]:
    """The URLs to use and where they came from: --url, PLATFORM_URL, or the local node."""
    if getattr(args, "url", None):
        urls, source = args.url, "--url"
    elif os.environ.get("PLATFORM_URL"):
        urls, source = os.environ["PLATFORM_URL"].split(","), "PLATFORM_URL"
    else:
        url, source = local_node_url()
        urls = [url]
    urls = [url.strip() for url in urls if url.strip()]
    if not urls:
        raise ClientError(f"{source} names no URL")
    return urls, source


def _make_client(
    args: argparse.Namespace, urls: list[str], transport: Transport | None
) -> PlatformClient:
    pins = getattr(args, "pin", None)
    if transport is None:
        ca_file = getattr(args, "ca_file", None) or os.environ.get("PLATFORM_CA_FILE")
        transport = RequestsTransport(verify=ca_file or True)
    return PlatformClient(
        urls,
        pinned_fingerprints=pins,
        known_keys=None if pins else KnownKeys(known_keys_file()),
        transport=transport,
        timeout=getattr(args, "timeout", 10.0),
    )


def _print_data(data: Any, args: argparse.Namespace, stdout: TextIO) -> None:
    if getattr(args, "format", "json") == "table":
        print(render_table(data), file=stdout)
    else:
        print(json.dumps(data, indent=2, ensure_ascii=False), file=stdout)


def _print_response(
    response: Response, args: argparse.Namespace, stdout: TextIO, stderr: TextIO
) -> int:
    print(f"HTTP {response.status} ({response.content_type or 'no content'})", file=stderr)
    if response.data is not None:
        _print_data(response.data, args, stdout)
    elif response.body:
        print(response.body.decode("utf-8", errors="replace"), file=stdout)
    return 0 if response.ok else 1


def _public_key(args: argparse.Namespace, client: PlatformClient, stdout: TextIO) -> int:
    keys = client.fetch_public_keys()
    chosen = client.server_key.kid if client.server_key else None
    shown = [
        {
            "kid": k.kid,
            "fingerprint_sha256": k.fingerprint_sha256,
            "primary": k.primary,
            "selected": k.kid == chosen,
        }
        for k in keys
    ]
    _print_data(shown, args, stdout)
    return 0


def _run(args: argparse.Namespace, client: PlatformClient, io: dict[str, TextIO]) -> int:
    path = session_file()
    if args.command == "public-key":
        return _public_key(args, client, io["stdout"])
    if args.command == "login":
        return _login(args, client, path, io)
    saved = load_session(path)
    if saved is None:
        raise ClientError("not logged in; run `python -m client login USERNAME` first")
    client.resume(saved[0])
    client.clock_offset_ms = saved[1]
    if args.command == "logout":
        response = client.logout()
    else:
        data = _read_data(args.data, io["stdin"])
        response = client.request(args.command, args.path, data, params=_params(args.param))
    if client.session is None:
        path.unlink(missing_ok=True)
    else:
        save_session(path, client.session, client.clock_offset_ms)
    return _print_response(response, args, io["stdout"], io["stderr"])


def _password(args: argparse.Namespace, stdin: TextIO) -> str:
    if args.password_stdin:
        line = stdin.readline()
        if not line:
            raise ClientError("--password-stdin: stdin is empty")
        return line.rstrip("\r\n")
    if args.password_env:
        password = os.environ.get(args.password_env)
        if not password:
            raise ClientError(f"--password-env: {args.password_env} is not set")
        return password
    if not stdin.isatty():
        raise ClientError(
            "no terminal to ask for the password: pipe it with --password-stdin, "
            f"or name an environment variable with --password-env (default {PASSWORD_ENV})"
        )
    try:
        return getpass.getpass(f"Password for {args.username}: ")
    except EOFError:
        raise ClientError("no password given") from None


def _login(args: argparse.Namespace, client: PlatformClient, path: Path, io) -> int:
    password = _password(args, io["stdin"])
    info = {"app": "platform-cli", "version": CLIENT_VERSION, "machine": platform.node()}
    response = client.login(args.username, password, info)
    if client.session is not None:
        save_session(path, client.session, client.clock_offset_ms)
        shown = {k: v for k, v in (client.login_info or {}).items() if k != "session_id"}
        _print_data(shown, args, io["stdout"])
        return 0
    return _print_response(response, args, io["stdout"], io["stderr"])


def _trust_key(args: argparse.Namespace, urls: list[str], stdout: TextIO) -> int:
    if getattr(args, "pin", None):
        raise ClientError("trust-key writes the known-keys file, which --pin bypasses")
    known = KnownKeys(known_keys_file())
    for url in urls:
        added = known.add(url, args.fingerprint)
        state = "added" if added else "already known"
        print(f"{state}: {args.fingerprint} for {url} in {known.path}", file=stdout)
    return 0


def _report_new_keys(client: PlatformClient, stderr: TextIO) -> None:
    known = client.known_keys
    for server, fingerprint, kid in known.added if known else []:
        print(
            f"platform-client: remembered server key {fingerprint} (kid {kid}) "
            f"for {server} in {known.path}",
            file=stderr,
        )


def main(
    argv: list[str] | None = None,
    *,
    transport: Transport | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    io = {
        "stdin": stdin or sys.stdin,
        "stdout": stdout or sys.stdout,
        "stderr": stderr or sys.stderr,
    }
    args = build_parser().parse_args(argv)
    client = None
    try:
        urls, source = base_urls(args)
        if args.command == "trust-key":
            return _trust_key(args, urls, io["stdout"])
        print(f"platform-client: {', '.join(urls)} (from {source})", file=io["stderr"])
        client = _make_client(args, urls, transport)
        return _run(args, client, io)
    except (ClientError, ValueError, TypeError, OSError) as exc:
        print(f"error: {exc}", file=io["stderr"])
        return 2
    finally:
        if client is not None:
            _report_new_keys(client, io["stderr"])
            client.close()
