"""A Telex interval integration that checks websites and posts the result to the channel."""
