"""Browser tests: real Chromium against a real emulator and real stub integrations."""
