"""Nornir tasks over the ponstack inventory: CLI jobs, discovery, reconciliation, SNMP polls."""
