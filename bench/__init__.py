"""Benchmarks (`make bench`, never part of the tests): each module measures against a bare baseline."""
