"""HTTP API (FastAPI). Depends on the domain packages; nothing depends on it."""
