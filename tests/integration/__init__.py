"""The real parts together: the embedding model, Chroma (embedded and server), the CLI, the app in AppTest."""
