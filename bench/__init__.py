"""Benchmarks: scripts that print figures (not timed tests). See the README's "Benchmarks"."""
