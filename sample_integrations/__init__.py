"""Sample Telex integrations written with aiohttp, to copy from."""
