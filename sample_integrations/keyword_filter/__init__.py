"""A Telex modifier that masks, removes or flags blocked words in channel messages."""
