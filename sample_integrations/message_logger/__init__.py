"""A Telex output that writes every channel message as one JSON line."""
