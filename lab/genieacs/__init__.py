"""GenieACS NBI emulator (GenieACS v1.2.16 behaviour, read from its source). See `lab.genieacs.server`."""

from .server import Emulator, EmulatorHandle, encode_id, start_emulator
from .tree import MODELS, generate_device_id

__all__ = ["MODELS", "Emulator", "EmulatorHandle", "encode_id", "generate_device_id", "start_emulator"]
