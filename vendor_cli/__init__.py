"""Vendor CLI knowledge: one sub-package per vendor family (templates, parsers, scrapli settings)."""
