"""What ingest and rag share: settings, errors, the chunk type, the ledger, the store and the
embedding model. It imports neither of them."""
