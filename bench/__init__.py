"""Benchmarks: synthetic listings at scale, server timings, query counts, load (see run.sh)."""
