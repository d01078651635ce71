"""The one authoritative Alembic migration set (see env.py for the start-up lock)."""
