"""The conflict policies a service declares under the active-active data rules."""

from django.db.models import TextChoices


class ConflictPolicy(TextChoices):
    APPEND_ONLY = "append-only", "append-only: rows are only inserted"
    LAST_WRITER_WINS = "last-writer-wins", "last-writer-wins: newest updated_at settles"
    HOME_NODE = "home-node", "home-node: all writes on one node's database"
