"""telex-emulator: a local, offline emulator of the Telex chat platform."""

__version__ = "0.1.0"
