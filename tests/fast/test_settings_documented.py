"""Every variable a node reads is documented: in the README's table and in .env.example.

The reads are found in the code itself (platform_site/settings.py and config.py through
the typed `env_*` readers, deploy/gunicorn.conf.py through `os.environ`), so a new
variable without its line fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("platform_site/settings.py", "platform_site/config.py", "deploy/gunicorn.conf.py")
NAME = re.compile(r"^[A-Z][A-Z0-9_]+$")


def _string(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAME.match(node.value):
        return node.value
    return None


def _is_environ(node: ast.AST) -> bool:
    """`os.environ`, `ENV` (settings' alias of it) or `env` (a reader's parameter)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ"
    return isinstance(node, ast.Name) and node.id in ("ENV", "env")


def reads(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id.startswith("env_") and len(node.args) >= 2:
                found.add(_string(node.args[1]))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("get", "setdefault") and _is_environ(node.func.value):
                found.add(_string(node.args[0]) if node.args else None)
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            found.add(_string(node.slice) if isinstance(node.ctx, ast.Load) else None)
    return found - {None}


def variables_read() -> set[str]:
    return set().union(*(reads(ROOT / source) for source in SOURCES))


def readme_table() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_the_reads_are_found():
    found = variables_read()
    assert {"SECRET_KEY", "PLATFORM_NODE_INDEX", "GUNICORN_BIND", "LOG_LEVEL"} <= found
    assert {"PLATFORM_NODE", "PLATFORM_NODE_COUNT", "DATABASE_URL"} <= found


def test_every_variable_a_node_reads_is_in_the_readme_table():
    missing = (variables_read() | env_example()) - readme_table()
    assert not missing, f"add to README.md's Configuration table: {sorted(missing)}"


def test_every_variable_a_node_reads_is_in_env_example():
    missing = variables_read() - env_example()
    assert not missing, f"add to .env.example: {sorted(missing)}"
