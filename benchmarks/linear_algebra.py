#!/usr/bin/env python3
"""Benchmark: LAPACK (through NumPy/SciPy, one thread) on the GP's dense linear algebra, the same
sizes and matrices as `bayesian-lab --linear-algebra` times for SweepKit's own code: Cholesky factor,
inverse from the factor, triangular solve with 256 right-hand sides, at n = 100 and 300.
Usage: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/linear_algebra.py
"""
import statistics
import time

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular


def timed(repeats, body):
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        body()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


for n in (100, 300):
    i = np.arange(n)
    matrix = np.exp(-np.abs(i[:, None] - i[None, :]) * 10 / n) + 1e-3 * np.eye(n)
    factor = np.linalg.cholesky(matrix)
    block = np.full((n, 256), 0.5)
    cholesky = timed(20, lambda: np.linalg.cholesky(matrix))
    inverse = timed(20, lambda: cho_solve((factor, True), np.eye(n)))
    solve = timed(20, lambda: solve_triangular(factor, block, lower=True))
    print(f"n={n}: cholesky {cholesky:.3f} ms, inverse from factor {inverse:.3f} ms, "
          f"solve with 256 right-hand sides {solve:.3f} ms")
