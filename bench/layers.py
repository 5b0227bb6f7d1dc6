"""The cost of each layer of a request, from a py-spy profile of the node's workers.

Every on-CPU sample of a worker is put in exactly one layer: the first rule below that
its stack matches (a stack is the list of `function (file)` frames, outermost first).
A layer's cost per request is its share of the samples times the workers' measured CPU
per request in the same window; the layers add up to that CPU. The web server's own
cost (nginx) is not in a Python profile: the report takes it from nginx's CPU.

Pure functions over text: tests feed them stacks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable


def _fn(frame: str) -> str:
    return frame.split(" (", 1)[0]


def _file(frame: str) -> str:
    return frame.rsplit(" (", 1)[-1].rstrip(")").rsplit(":", 1)[0]


def _has(*names: str) -> Callable[[list[str]], bool]:
    """A stack holding a function of one of these names (`Class.method` or `function`)."""

    def test(stack: list[str]) -> bool:
        for frame in stack:
            fn = _fn(frame)
            if any(fn == name or fn.endswith("." + name) for name in names):
                return True
        return False

    return test


def _call(name: str, file_part: str) -> Callable[[list[str]], bool]:
    """A stack holding function `name` of a file whose path contains `file_part`."""
    return lambda stack: any(_fn(f) == name and file_part in _file(f) for f in stack)


def _any(*rules: Callable[[list[str]], bool]) -> Callable[[list[str]], bool]:
    return lambda stack: any(rule(stack) for rule in rules)


def _in_file(*parts: str) -> Callable[[list[str]], bool]:
    return lambda stack: any(any(p in _file(f) for p in parts) for f in stack)


def _inner_chain(stack: list[str]) -> bool:
    """Below the routing middleware: Django's own middleware and the view."""
    for at, frame in enumerate(stack[:-1]):
        if _fn(frame) == "RoutingMiddleware.__call__":
            return "core/handlers/exception.py" in stack[at + 1]
    return False


# (layer, rule), most specific first; the first rule a stack matches takes the sample.
RULES: tuple[tuple[str, Callable[[list[str]], bool]], ...] = (
    ("metrics (prometheus-client)", _in_file("prometheus_client/")),
    ("request log line", _has("RequestLogMiddleware._record", "_request_id")),
    ("nonce check (node-local store)", _has("safe_nonce_first_sight")),
    ("revocation check (node-local store)", _has("NodeState.is_revoked")),
    ("session and grants", _has("_session_key", "RoutingMiddleware._refusal")),
    (
        "envelope crypto (AES-GCM open and seal)",
        _any(_call("open_request", "core/crypto/"), _call("seal_response", "core/crypto/")),
    ),
    ("routing table and breaker", _has("RouteTable.get", "Breaker.allow", "Breaker.record")),
    ("the service (DRF view, ORM, serializer)", _has("BaseHandler._get_response")),
    ("Django's middleware under the gateway", _inner_chain),
    ("gateway, the rest", _has("EnvelopeMiddleware.__call__", "RoutingMiddleware.__call__")),
    ("web-server glue (X-Real-IP, body drain)", _has("BehindWebServerMiddleware.__call__")),
    ("Django's handler and gunicorn's request", _has("handle_request")),
)
OUTSIDE = "gunicorn outside requests (accept, parse, loop)"


def stacks(text: str) -> list[tuple[list[str], int]]:
    """py-spy's raw format: `frame;frame;… count` per line."""
    found = []
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if count.isdigit() and stack:
            found.append(([f for f in stack.split(";") if " (" in f], int(count)))
    return found


def classify(text: str) -> tuple[Counter, int]:
    """Samples per layer (OUTSIDE for the rest), and all samples."""
    layers, total = Counter(), 0
    for stack, n in stacks(text):
        total += n
        name = next((layer for layer, rule in RULES if rule(stack)), OUTSIDE)
        layers[name] += n
    return layers, total


def layer_costs(text: str, cpu_us_per_request: float) -> list[dict]:
    """Each layer's share of the workers' samples and its µs of CPU per request."""
    layers, total = classify(text)
    if not total:
        return []
    order = [name for name, _ in RULES] + [OUTSIDE]
    return [
        {
            "layer": name,
            "share": round(layers[name] / total, 4),
            "us_per_request": round(cpu_us_per_request * layers[name] / total, 1),
        }
        for name in order
    ]
