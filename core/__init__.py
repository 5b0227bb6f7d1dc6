"""The platform's shared contracts, at the bottom of the import graph.

The service registry (`registry`), the error vocabulary (`errors`), the pure crypto
(`crypto.envelope` for the wire, `crypto.atrest` for stored secrets), the active-active
write helpers (`activeactive`) and the DRF glue every API shares (`drf`). Nothing here
imports another app of the project (import-linter checks it, see pyproject.toml).
"""
