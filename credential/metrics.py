"""The credential service's own metrics (exported by the node's /metrics with the rest)."""

from prometheus_client import Counter

LOGINS = Counter("platform_logins", "Login attempts by outcome.", ["outcome"])
