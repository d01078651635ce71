"""SNMP monitoring: data-driven OID maps, an asyncio collector and the DB writer."""
