"""The examples in the docs work: API paths resolve, the key list parses, CLI lines parse.

A developer copies examples; one that names a path no service has (a 404) or a CLI
option that does not exist costs them an afternoon. These tests read the Markdown files
of the repository and check each example against the code itself.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from urllib.parse import unquote

import pytest
from cryptography.hazmat.primitives import serialization
from django.test import Client
from django.urls import Resolver404, resolve

from client import cli
from client.keys import parse_server_keys
from client.test_vector_key import TEST_ONLY_PRIVATE_KEY_PEM
from credential.keys import key_generate

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").glob("*.md")])
API_PATH = re.compile(r"/api/v1/[^\s`'\")\]]*")
# The vector that exercises percent-escapes in the AAD names a person by name, which no
# route takes (people are addressed by id); docs/PROTOCOL.md says so beside it.
ESCAPING_VECTOR_PATH = "/api/v1/directory/people/j%C3%BCrgen.m%C3%BCller%20jr/"


def _urlconf(code: str) -> str:
    return "credential.urls" if code == "credential" else f"services.{code}.urls"


def _example_paths() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for match in API_PATH.finditer(doc.read_text(encoding="utf-8")):
            path = match.group(0).split("?", 1)[0].rstrip(".,:;")
            if re.search(r"[<>{}…]", path) or path.count("/") < 4:
                continue  # a placeholder (`/api/v1/<code>/…`) or the prefix alone
            if path != ESCAPING_VECTOR_PATH:
                found.append((doc.relative_to(ROOT).as_posix(), path))
    return sorted(set(found))


def test_the_docs_have_api_examples_to_check():
    paths = {path for _, path in _example_paths()}
    assert "/api/v1/task/tasks/" in paths and "/api/v1/credential/public-key" in paths


@pytest.mark.parametrize(("doc", "path"), _example_paths())
def test_every_api_path_in_the_docs_is_served_by_its_service(doc, path):
    code, _, rest = path.removeprefix("/api/v1/").partition("/")
    try:
        resolve("/" + unquote(rest), urlconf=_urlconf(code))
    except (Resolver404, ModuleNotFoundError):
        pytest.fail(f"{doc} shows {path}, which no route of the {code!r} service serves")


def test_the_public_key_answer_shown_in_the_protocol_is_what_a_node_answers(db):
    text = (ROOT / "docs" / "PROTOCOL.md").read_text(encoding="utf-8")
    section = text[text.index("## 3.") : text.index("## 4.")]
    shown = json.loads(re.search(r"```json\n(.*?)```", section, re.DOTALL).group(1))
    (key,) = parse_server_keys(shown)  # the fingerprint computed from the PEM shown
    assert key.fingerprint_sha256 == shown["keys"][0]["fingerprint_sha256"]
    private = serialization.load_pem_private_key(TEST_ONLY_PRIVATE_KEY_PEM.encode(), None)
    key_generate(primary=True, private_key=private)  # a node holding the published test key
    answered = Client().get("/api/v1/credential/public-key").json()
    assert answered["keys"][0].pop("kid") and shown["keys"][0].pop("kid")
    assert answered == shown


def _cli_examples() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for line in doc.read_text(encoding="utf-8").splitlines():
            if "python -m client " not in line or line.lstrip().startswith(">"):
                continue
            command = line.split("python -m client ", 1)[1]
            command = re.split(r"\s+#\s", command, maxsplit=1)[0].split("`", 1)[0]
            if re.search(r"[<…]|\.\.\.|--help", command) or not command.strip():
                continue
            found.append((doc.relative_to(ROOT).as_posix(), command.strip()))
    return found


def test_the_docs_have_cli_examples_to_check():
    commands = [command for _, command in _cli_examples()]
    assert any(command.startswith("login") for command in commands)
    assert any("--format table" in command for command in commands)


@pytest.mark.parametrize(("doc", "command"), _cli_examples())
def test_every_cli_example_in_the_docs_is_accepted_by_the_cli(doc, command):
    try:
        cli.build_parser().parse_args(shlex.split(command))
    except SystemExit:
        pytest.fail(f"{doc}: `python -m client {command}` is not a valid command line")
