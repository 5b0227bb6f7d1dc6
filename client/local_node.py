"""The address of this checkout's trial node, for a CLI call that names no URL.

`make run` (scripts/run-local) serves on 127.0.0.1 at `PORT` from the environment, else
the `PORT` line of the checkout's `.env`, else 8000, and records the port it used in
that `.env`. This module reads the same places in the same order, and the same file
the node's settings read (`PLATFORM_ENV_FILE`, else the checkout's `.env`; empty: none).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from client.errors import ClientError

CHECKOUT = Path(__file__).resolve().parents[1]
DEFAULT_PORT = 8000
HOST = "127.0.0.1"


def env_file(environ: Mapping[str, str]) -> Path | None:
    name = environ.get("PLATFORM_ENV_FILE", str(CHECKOUT / ".env"))
    return Path(name) if name else None


def port_in_env_file(path: Path) -> str | None:
    """The value of the last `PORT=` line (quotes and `export ` allowed), if any."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return None
    port = None
    for line in lines:
        name, sep, value = line.strip().removeprefix("export ").partition("=")
        if sep and name.strip() == "PORT":
            port = value.split("#", 1)[0].strip().strip("'\"")
    return port


def _checked(port: str, source: str) -> int:
    if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise ClientError(f"{source} is {port!r}, not a port number")
    return int(port)


def local_node_url(environ: Mapping[str, str] = os.environ) -> tuple[str, str]:
    """(URL of the local trial node, where its port came from)."""
    if environ.get("PORT"):
        return f"http://{HOST}:{_checked(environ['PORT'], 'PORT')}", "PORT"
    path = env_file(environ)
    port = port_in_env_file(path) if path else None
    if port:
        source = f"PORT in {path}"
        return f"http://{HOST}:{_checked(port, source)}", source
    return f"http://{HOST}:{DEFAULT_PORT}", f"the default port; no PORT in {path or 'any .env'}"
