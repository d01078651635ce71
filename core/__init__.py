"""Shared foundation: settings, database, encryption, schema validation, CLI."""
