"""Ember benchmarks: python -m benchmarks."""
