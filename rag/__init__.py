"""Retrieval and answer composition for benefits-qa: question in, cited Answer out."""
