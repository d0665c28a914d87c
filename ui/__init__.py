"""The Streamlit pages of app.py (rendering only; logic lives in rag/ and ingest/)."""
