"""The small shared base every business service builds on (see CONTRIBUTING.md)."""
