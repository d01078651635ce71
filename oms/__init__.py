"""OMS: OLTs, PON ports, ONU lifecycle, CLI templates, SNMP OID maps and device jobs."""
