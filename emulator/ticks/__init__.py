"""Ticks: the scheduler driver (APScheduler or the virtual clock), firing, and returns."""
