"""Simulated OLTs (real SSH servers) for demos, tests and benchmarks."""
