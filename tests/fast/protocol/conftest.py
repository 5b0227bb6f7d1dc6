"""Every test here keeps the reference client's files in its own temporary directory."""

import pytest


@pytest.fixture(autouse=True)
def known_keys_file(tmp_path, monkeypatch):
    """The CLI's known-keys file: never the user's own."""
    path = tmp_path / "cfg" / "known_keys"
    monkeypatch.setenv("PLATFORM_CLIENT_KNOWN_KEYS", str(path))
    return path
