"""The message path: modifier chain, outputs and targets, and the one delivery recorder."""
