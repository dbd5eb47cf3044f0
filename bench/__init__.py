"""Benchmarks (`make bench`): ratios against baselines run on the same machine and backend."""
