"""Composition: what puts the domains together — the `ponstack` command line and the
worker process. Nothing below this package imports it."""
