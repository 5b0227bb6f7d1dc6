"""`--format table`: a list answer as aligned columns, anything else as name/value rows."""

from __future__ import annotations

import json
from typing import Any

MAX_CELL = 40


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())  # one line per row, whatever the value held
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _grid(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        return "  ".join(padded).rstrip()

    return [line(header), line(["-" * width for width in widths]), *map(line, rows)]


def _records(data: Any) -> tuple[list[dict], str | None] | None:
    """The rows of a list answer (a JSON list, or a page with `results`), and a footer."""
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        items, footer = data["results"], f"{len(data['results'])} of {data.get('count', '?')}"
        if data.get("next"):
            footer += f"; next page: {data['next']}"
    elif isinstance(data, list):
        items, footer = data, f"{len(data)} rows"
    else:
        return None
    if not all(isinstance(item, dict) for item in items):
        return None
    return items, footer


def render_table(data: Any) -> str:
    records = _records(data)
    if records is None:
        if isinstance(data, dict):
            rows = [[str(name), _cell(value)] for name, value in data.items()]
            return "\n".join(_grid(["field", "value"], rows))
        return _cell(data)
    items, footer = records
    columns: list[str] = []
    for item in items:
        columns.extend(name for name in item if name not in columns)
    if not columns:
        return footer or ""
    rows = [[_cell(item.get(name)) for name in columns] for item in items]
    return "\n".join([*_grid(columns, rows), f"({footer})"])
