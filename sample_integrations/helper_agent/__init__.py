"""A Telex agent (A2A 0.2.x) that answers quick commands, a quiz and a pushed report."""
