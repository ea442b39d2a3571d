"""Benchmarks that print ratios measured in one run; results are recorded in docs/performance.md."""
