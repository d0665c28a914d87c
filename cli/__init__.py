"""The `benefits-qa` command, at the edge: it calls ingest and rag, and neither imports it."""
