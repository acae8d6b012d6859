"""The command line: checking every job before a sweep starts, suites of sweeps, and the report command."""
