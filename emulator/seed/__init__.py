"""Seed files: a declarative description of organisations, channels and integrations,
applied idempotently (keyed by names) and atomically (an error changes nothing)."""
