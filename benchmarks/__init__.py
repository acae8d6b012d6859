"""Performance benchmarks: ``python -m benchmarks [--quick] [--out DIR] [--repeats N] [--only LETTERS]``.

Every figure is the median of interleaved repeats (``harness``) and is shown beside its baseline, measured side
by side in the same run. Writes ``<out>/perf.md`` (targets, machine, one table per group) and ``<out>/perf.json``
(the same, with every repeat's seconds; ``writer``).

Groups, each measuring the code ``python -m bench`` runs: float32 matmul peak and MLP training against a minimal
PyTorch loop, the arithmetic floor and scikit-learn (a, ``training``), the cost of the MLP's diagnostics (b, the
same fits), tracking overhead of ``bench.job.run`` per family, per ``Store`` call and as a share of a real sweep
(c, ``tracking`` and ``tracking_share``), sweep throughput with the basic and joblib launchers (d,
``throughput``), report build time on synthetic stores (e, ``report_build``) and CLI latency (f, ``latency``).
"""

from benchmarks.command import main

__all__ = ["main"]
