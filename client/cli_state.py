"""Where the CLI keeps its state between invocations: the session and the known keys.

The session file holds the session id and key, so it is written atomically and created
with mode 0600 (`$PLATFORM_CLIENT_SESSION`, default under ~/.config/platform-client/).
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from pathlib import Path

from client.errors import ClientError
from client.known_keys import DEFAULT_KNOWN_KEYS_FILE
from client.session import SessionState

DEFAULT_SESSION_FILE = Path("~/.config/platform-client/session.json")


def session_file() -> Path:
    return Path(os.environ.get("PLATFORM_CLIENT_SESSION") or DEFAULT_SESSION_FILE).expanduser()


def known_keys_file() -> Path:
    name = os.environ.get("PLATFORM_CLIENT_KNOWN_KEYS") or DEFAULT_KNOWN_KEYS_FILE
    return Path(name).expanduser()


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
