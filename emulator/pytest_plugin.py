"""pytest plugin (entry point `pytest11`): the emulator as a fixture server.

Imports nothing heavy at module level, so loading it costs every pytest run nothing.
PLACEHOLDER until the pytest plugin issue lands: no fixtures yet.
"""
