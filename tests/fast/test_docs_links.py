"""The link check: no doc or comment in the repository cites a file that is not in it.

It reads every Markdown file whole, and the comments and docstrings of Python modules,
the Makefile, shell scripts, config templates, HTML templates and JavaScript, and takes
as a citation: a Markdown link; a path that starts at a top-level folder of the
repository (`core/crypto/envelope.py`, `deploy/systemd/*`, `tests/fast/`) or at `./`/`../`;
and a bare Markdown file name (`README.md`). Each must resolve, relative to the citing
file or to the repository's root, to a file or folder git knows (tracked, or new and not
ignored); a `#anchor` on a Markdown target must name one of its headings or `<a id>`
anchors. Runtime paths that git ignores (`var/…`, `.env`) and placeholders
(`services/<code>/`) are not citations, nor are paths of other projects
(`django/db/…`), which start at no folder of this one.
"""

from __future__ import annotations

import ast
import fnmatch
import io
import re
import shutil
import subprocess
import tokenize
from functools import cache
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[2]
HASH_COMMENTED = {"template", "cfg", "cnf", "service", "timer", "yaml", "yml", "toml", "txt"}
SCRIPT_NAMES = {"Makefile", ".env.example"}
TOKEN = re.compile(r"[^\s`'\"()\[\]<>,;|=]+(?:<[\w-]+>[^\s`'\"()\[\],;|=]*)*")
MARKDOWN_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")


def _git(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    if shutil.which("git") is None:
        pytest.fail("git is needed to know which files are in the repository")
    return subprocess.run(
        ["git", *args], cwd=ROOT, input=stdin, capture_output=True, text=True, check=False
    )


@cache
def repository() -> tuple[frozenset[str], frozenset[str]]:
    """(files, folders) git knows: tracked, or new and not ignored; present on disk."""
    listing = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
    assert listing.returncode == 0, listing.stderr
    files = {name for name in listing.stdout.split("\0") if name and (ROOT / name).is_file()}
    folders = {str(parent) for name in files for parent in PurePosixPath(name).parents}
    return frozenset(files), frozenset(folders - {"."})


def _ignored(paths: set[str]) -> set[str]:
    if not paths:
        return set()
    result = _git("check-ignore", "--no-index", "--stdin", stdin="\n".join(sorted(paths)))
    return set(result.stdout.splitlines())


# Where citations are: the text of a file that a reader reads as prose. ------------


def _python_prose(text: str) -> list[tuple[int, str]]:
    parts = [
        (tok.start[0], tok.string)
        for tok in tokenize.generate_tokens(io.StringIO(text).readline)
        if tok.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                lines = first.value.value.splitlines()
                parts.extend((first.lineno + i, line) for i, line in enumerate(lines))
    return parts


def _hash_comments(text: str) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.search(r"(?:^|\s)#(?!!)(.*)$", line)
        if match:
            found.append((number, match.group(1)))
    return found


def _block_comments(text: str, patterns: list[str]) -> list[tuple[int, str]]:
    found = []
    for pattern in patterns:
        for match in re.finditer(pattern, text, re.DOTALL):
            found.append((text.count("\n", 0, match.start()) + 1, match.group(1)))
    return found


def _is_shell_script(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            first = handle.readline(100)
    except OSError:
        return False
    return first.startswith(b"#!") and (b"sh" in first or b"bash" in first)


def prose(name: str) -> list[tuple[int, str]] | None:
    """(line, text) pieces of the file to scan, or None for a file that cites nothing."""
    path = ROOT / name
    suffix = path.suffix.lstrip(".")
    if suffix == "md":
        return list(enumerate(path.read_text(encoding="utf-8").splitlines(), start=1))
    if suffix == "py":
        return _python_prose(path.read_text(encoding="utf-8"))
    if suffix in ("mjs", "js"):
        return _block_comments(path.read_text(encoding="utf-8"), [r"//(.*?)$", r"/\*(.*?)\*/"])
    if suffix == "html":
        patterns = [r"\{#(.*?)#\}", r"\{% comment %\}(.*?)\{% endcomment %\}", r"<!--(.*?)-->"]
        return _block_comments(path.read_text(encoding="utf-8"), patterns)
    if suffix in HASH_COMMENTED or path.name in SCRIPT_NAMES or _is_shell_script(path):
        return _hash_comments(path.read_text(encoding="utf-8", errors="replace"))
    return None


# What counts as a citation, and whether it resolves. -----------------------------


def _clean(token: str) -> str:
    token = token.strip(".:!?").removeprefix("@")
    return re.sub(r":\d+(?::\d+)?$", "", token)  # file.py:12 cites file.py


def candidates(text: str) -> list[tuple[bool, str]]:
    """(is a Markdown link target, token) of everything that may name a file."""
    found = [(True, target) for target in MARKDOWN_LINK.findall(text)]
    found += [(False, _clean(token)) for token in TOKEN.findall(text)]
    return [(link, token) for link, token in found if token]


def cited_path(token: str, top_level: frozenset[str]) -> tuple[str, str] | None:
    """(path, anchor) when the token names a repository file; None when it does not."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", token) or token.startswith(("/", "~", "$", "-")):
        return None  # a URL, an absolute or home path, a variable, an option
    if any(mark in token for mark in "<>{}…%\\") or token.startswith("#"):
        return None  # a placeholder or an escape, not a file name
    path, _, anchor = token.partition("#")
    path = path.removeprefix("./")
    head, slash, _ = path.partition("/")
    if slash:  # a path counts from a top-level folder (others name files of other projects)
        return (path, anchor) if head in top_level or head in ("..", ".") else None
    if re.fullmatch(r"[\w.-]+\.md", path):
        return path, anchor  # a bare Markdown name: a doc citing a doc
    return None


def _normalise(path: PurePosixPath) -> str | None:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts)


def resolve(path: str, citing: str) -> str | None:
    """The repository path `path` names from file `citing`, or None."""
    files, folders = repository()
    bases = [PurePosixPath(citing).parent, PurePosixPath(".")]
    for base in bases:
        target = _normalise(base / path.rstrip("/"))
        if target is None:
            continue
        if "*" in target or "?" in target:
            if any(fnmatch.fnmatch(name, target) for name in files):
                return target
        elif (target in files and not path.endswith("/")) or target in folders or target == "":
            return target
    return None


def _slug(heading: str, seen: dict[str, int]) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    slug = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
    count = seen.get(slug, 0)
    seen[slug] = count + 1
    return slug if count == 0 else f"{slug}-{count}"


@cache
def anchors(name: str) -> frozenset[str]:
    found, seen, fenced = set(), {}, False
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and (match := HEADING.match(line)):
            found.add(_slug(match.group(2), seen))
        found.update(HTML_ANCHOR.findall(line))
    return frozenset(found)


def _broken_in(name: str, pieces, top_level) -> list[tuple[str, str, str]]:
    """(where, token, resolved path or '') of each citation that is not, or might not be, right."""
    suspects = []
    for line, text in pieces:
        for link, token in candidates(text):
            if link and token.startswith("#"):
                if name.endswith(".md") and token[1:] not in anchors(name):
                    suspects.append((f"{name}:{line}", token, name))
                continue
            cited = cited_path(token, top_level)
            if cited is None:
                continue
            path, anchor = cited
            target = resolve(path, name)
            if target is None:
                suspects.append((f"{name}:{line}", token, ""))
            elif anchor and target.endswith(".md") and anchor not in anchors(target):
                suspects.append((f"{name}:{line}", token, target))
    return suspects


def broken_citations() -> list[str]:
    files, _ = repository()
    top_level = frozenset(PurePosixPath(name).parts[0] for name in files)
    suspects = []
    for name in sorted(files):
        pieces = prose(name)
        if pieces:
            suspects.extend(_broken_in(name, pieces, top_level))
    missing_paths = {token.partition("#")[0] for _, token, target in suspects if not target}
    ignored = _ignored(missing_paths)  # runtime paths: var/…, .env
    return [
        f"{where}: {token}" + (" (no such anchor)" if target else " (no such file)")
        for where, token, target in suspects
        if target or token.partition("#")[0] not in ignored
    ]


def test_no_doc_or_comment_cites_a_file_that_is_not_in_the_repository():
    broken = broken_citations()
    assert not broken, "cited but not in the repository:\n  " + "\n  ".join(broken)


DESIGN_INPUTS = re.compile(r"PROTOCOL-v1|/work/shared|design (?:input|page)s?\b", re.IGNORECASE)


def test_nothing_points_at_design_pages_that_live_outside_the_repository():
    files, _ = repository()
    found = [
        f"{name}:{line}: {match.group(0)}"
        for name in sorted(files)
        for line, text in prose(name) or []
        for match in DESIGN_INPUTS.finditer(text)
    ]
    assert not found, "the repository documents itself:\n  " + "\n  ".join(found)


@pytest.mark.parametrize(
    ("token", "citing", "expected"),
    [
        ("docs/PROTOCOL.md", "README.md", "docs/PROTOCOL.md"),
        ("PROTOCOL.md", "docs/SECURITY.md", "docs/PROTOCOL.md"),
        ("../README.md", "docs/DEPLOY.md", "README.md"),
        ("deploy/systemd/*", "docs/DEPLOY.md", "deploy/systemd/*"),
        ("gateway/", "README.md", "gateway"),
        ("ARCHITECTURE.md", "services/base/models.py", None),
        ("docs/NO_SUCH_PAGE.md", "README.md", None),
        ("gateway/no_such_module.py", "README.md", None),
    ],
)
def test_the_check_resolves_paths_as_a_reader_would(token, citing, expected):
    files, _ = repository()
    top_level = frozenset(PurePosixPath(name).parts[0] for name in files)
    path, _ = cited_path(token, top_level)
    assert resolve(path, citing) == expected


@pytest.mark.parametrize(
    "token",
    ["/api/v1/task/tasks/", "https://example.org/x.md", "services/<code>/apps.py", "$HOME/x.md",
     "--format", "gateway.envelope", "read/write", "#anchor", "~/.config/platform-client/x"],
)  # fmt: skip
def test_the_check_leaves_alone_what_names_no_repository_file(token):
    files, _ = repository()
    top_level = frozenset(PurePosixPath(name).parts[0] for name in files)
    assert cited_path(token, top_level) is None


def test_the_check_finds_a_missing_file_and_a_missing_anchor(tmp_path):
    pieces = [(3, "[Rules](ARCHITECTURE.md#rule-99), gateway/gone.py, [here](#nowhere). # x")]
    files, _ = repository()
    top_level = frozenset(PurePosixPath(name).parts[0] for name in files)
    found = _broken_in("docs/SECURITY.md", pieces, top_level)
    assert ("docs/SECURITY.md:3", "ARCHITECTURE.md#rule-99", "docs/ARCHITECTURE.md") in found
    assert ("docs/SECURITY.md:3", "gateway/gone.py", "") in found
    assert ("docs/SECURITY.md:3", "#nowhere", "docs/SECURITY.md") in found
