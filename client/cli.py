"""`python -m client`: the reference client on the command line.

The session (id and key) is kept between invocations in a file readable by its owner
only (mode 0600). Passwords are read from stdin or a prompt, never from argv.
"""

from __future__ import annotations

import argparse
import base64
import getpass
import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from client.errors import ClientError
from client.response import Response
from client.session import PlatformClient, SessionState
from client.transport import Transport

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_SESSION_FILE = Path("~/.config/platform-client/session.json")
CLIENT_VERSION = "1"
BODY_COMMANDS = ("post", "put", "patch")
QUERY_COMMANDS = ("get", "delete")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url",
        action="append",
        default=argparse.SUPPRESS,
        help="node base URL; repeat for failover (env PLATFORM_URL)",
    )
    common.add_argument(
        "--pin",
        action="append",
        default=argparse.SUPPRESS,
        help="accepted server key fingerprint (SHA-256 hex); repeatable",
    )
    common.add_argument("--timeout", type=float, default=argparse.SUPPRESS)
    parser = argparse.ArgumentParser(
        prog="python -m client", parents=[common], description="Reference client of the platform."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    login = commands.add_parser("login", parents=[common], help="log in and keep the session")
    login.add_argument("username")
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin",
    )
    for name in QUERY_COMMANDS + BODY_COMMANDS:
        sub = commands.add_parser(name, parents=[common], help=f"encrypted {name.upper()}")
        sub.add_argument("path", help="e.g. /api/v1/task/items/?page=2")
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
    return parser


def session_file() -> Path:
    return Path(os.environ.get("PLATFORM_CLIENT_SESSION") or DEFAULT_SESSION_FILE).expanduser()


def save_session(path: Path, session: SessionState, clock_offset_ms: int) -> None:
    """Write atomically, created with mode 0600 so no other user ever can read it."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    document = {
        "session_id": session.session_id,
        "key": base64.b64encode(session.key).decode("ascii"),
        "clock_offset_ms": clock_offset_ms,
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".session-")  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_session(path: Path) -> tuple[SessionState, int] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        state = SessionState(document["session_id"], base64.b64decode(document["key"]))
        return state, int(document.get("clock_offset_ms", 0))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        raise ClientError(f"the session file {path} is unreadable") from exc


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


def _make_client(args: argparse.Namespace, transport: Transport | None) -> PlatformClient:
    urls = getattr(args, "url", None) or (os.environ.get("PLATFORM_URL") or DEFAULT_URL).split(",")
    return PlatformClient(
        [url.strip() for url in urls if url.strip()],
        pinned_fingerprints=getattr(args, "pin", None),
        transport=transport,
        timeout=getattr(args, "timeout", 10.0),
    )


def _print_response(response: Response, stdout: TextIO, stderr: TextIO) -> int:
    print(f"HTTP {response.status} ({response.content_type or 'no content'})", file=stderr)
    if response.data is not None:
        print(json.dumps(response.data, indent=2, ensure_ascii=False), file=stdout)
    elif response.body:
        print(response.body.decode("utf-8", errors="replace"), file=stdout)
    return 0 if response.ok else 1


def _run(args: argparse.Namespace, client: PlatformClient, io: dict[str, TextIO]) -> int:
    path = session_file()
    if args.command == "public-key":
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
        print(json.dumps(shown, indent=2), file=io["stdout"])
        return 0
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
    return _print_response(response, io["stdout"], io["stderr"])


def _login(args: argparse.Namespace, client: PlatformClient, path: Path, io) -> int:
    if args.password_stdin:
        password = io["stdin"].readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {args.username}: ")
    info = {"app": "platform-cli", "version": CLIENT_VERSION, "machine": platform.node()}
    response = client.login(args.username, password, info)
    if client.session is not None:
        save_session(path, client.session, client.clock_offset_ms)
        shown = {k: v for k, v in (client.login_info or {}).items() if k != "session_id"}
        print(json.dumps(shown, indent=2, ensure_ascii=False), file=io["stdout"])
        return 0
    return _print_response(response, io["stdout"], io["stderr"])


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
    client = _make_client(args, transport)
    try:
        return _run(args, client, io)
    except (ClientError, ValueError, TypeError, OSError) as exc:
        print(f"error: {exc}", file=io["stderr"])
        return 2
    finally:
        client.close()
