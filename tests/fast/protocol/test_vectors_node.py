"""A second stack checks the published vectors: Node's WebCrypto, no Python involved.

`check_vectors.mjs` beside this file re-implements the protocol's AAD, AES-256-GCM,
response sealing, RSA-OAEP-256 and base64 from docs/PROTOCOL.md. Node is a test
dependency (`scripts/system-deps test` installs Debian's `nodejs`); without it these tests
fail, they never skip.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "check_vectors.mjs"
VECTORS_FILE = HERE.parents[2] / "docs" / "protocol-test-vectors.json"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("`node` is not on PATH: install Debian's nodejs (scripts/system-deps test)")
    return node


def _check(vectors: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_node(), str(SCRIPT), str(vectors)], capture_output=True, text=True, timeout=120
    )


def test_node_webcrypto_reproduces_every_published_vector():
    result = _check(VECTORS_FILE)
    assert result.returncode == 0, result.stdout + result.stderr
    vectors = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
    counted = f"{len(vectors['requests'])} requests, {len(vectors['responses'])} responses"
    assert counted in result.stdout
    assert "checks passed" in result.stdout


@pytest.mark.parametrize(
    ("section", "index", "field"),
    [
        ("requests", 1, "tag_hex"),
        ("requests", 0, "aad_hex"),
        ("responses", 0, "ciphertext_hex"),
        ("rsa_oaep", None, "plaintext_hex"),
        ("rsa_oaep", None, "fingerprint_sha256"),
    ],
)
def test_the_node_check_fails_on_a_vector_changed_by_one_byte(tmp_path, section, index, field):
    vectors = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
    entry = vectors[section] if index is None else vectors[section][index]
    value = entry[field]
    entry[field] = ("00" if value[:2] != "00" else "11") + value[2:]
    changed = tmp_path / "vectors.json"
    changed.write_text(json.dumps(vectors), encoding="utf-8")
    result = _check(changed)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "MISMATCH" in result.stderr
