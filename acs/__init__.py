"""ACS integration: TR-069 intents sent through an ACS (GenieACS NBI) and confirmed on the device."""
