"""The actions every family ships a template for.

The same names as the OMS's CliAction (oms/models.py); vendor_cli imports nothing from the
OMS, so the list is kept here, and a template test fails when a family lacks one.
"""

CLI_ACTIONS: tuple[str, ...] = ("authorize", "remove", "reboot", "suspend", "resume", "rename", "replace", "move")
