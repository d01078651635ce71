"""Nornir inventory plugin: OLTs from the shared database as Nornir hosts.

    from nornir import InitNornir
    nr = InitNornir(inventory={"plugin": "PonstackInventory", "options": {"database_url": url}},
                    logging={"enabled": False})
"""

from inventory.plugin import PonstackInventory

__all__ = ["PonstackInventory"]
