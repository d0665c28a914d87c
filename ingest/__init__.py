"""Ingestion for benefits-qa: files → parse → chunk → embed → store, as one atomic update."""
