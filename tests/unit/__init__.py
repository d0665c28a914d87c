"""Pure logic on typed data, and single files parsed: no model, no Chroma. `make test-unit`."""
