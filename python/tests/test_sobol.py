"""Sobol points against scipy.stats.qmc.Sobol, the reference implementation."""
import numpy as np
import pytest
from scipy.stats import qmc

import sweepkit
from sweepkit import _core
from sweepkit.sweep import RandomSamplingAlgorithm, Uniform


def sobol_points(dimension, n, seed=None):
    raw = _core.sobol_points(dimension, n, seed is not None, seed or 0)
    return np.frombuffer(raw, dtype=np.float64).reshape(n, dimension)


@pytest.mark.parametrize("dimension", range(1, 11))
def test_unscrambled_points_equal_scipy_bit_for_bit(dimension):
    expected = qmc.Sobol(dimension, scramble=False).random(1024)
    np.testing.assert_array_equal(sobol_points(dimension, 1024), expected)


def test_every_supported_dimension_equals_scipy():
    """Dimensions 11-1024 (the direction numbers of new-joe-kuo-6.21201): the first 16384 points of
    the full 1024-dimensional sequence use direction numbers 1-14 of every dimension (degrees reach
    13 there, so the recurrence is used too), and a few points in each dimension d alone check that
    a d-dimensional sequence is the first d coordinates."""
    full = sobol_points(1024, 1 << 14)
    expected = qmc.Sobol(1024, scramble=False).random(1 << 14)
    mismatched = np.flatnonzero((full != expected).any(axis=0))
    assert mismatched.size == 0, f"dimensions {list(mismatched[:10] + 1)} differ from scipy"
    for dimension in range(11, 1025):
        points = sobol_points(dimension, 8)
        np.testing.assert_array_equal(points, qmc.Sobol(dimension, scramble=False).random(8), err_msg=f"d = {dimension}")


def test_a_sweep_with_rule_sobol_and_no_seed_proposes_scipys_sequence():
    names = [f"x{i}" for i in range(4)]
    sweep = sweepkit.Sweep(search_space={n: Uniform(0, 1) for n in names},
                           sampling_algorithm=RandomSamplingAlgorithm(rule="sobol"), goal="minimize")
    expected = qmc.Sobol(4, scramble=False).random(64)
    for row in expected:
        trial = sweep.ask()
        assert [trial.params[n] for n in names] == list(row)
        sweep.tell(trial, 0.0)


def test_scrambled_sequence_is_reproducible_and_differs_by_seed():
    a, b, c = sobol_points(3, 256, seed=1), sobol_points(3, 256, seed=1), sobol_points(3, 256, seed=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(a, sobol_points(3, 256))


@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_scrambling_keeps_the_net_property_and_the_low_discrepancy(seed):
    m = 9
    points = sobol_points(6, 2 ** m, seed=seed)
    # Every coordinate of a 2^m block has exactly one point per cell of width 2^-m ...
    for d in range(6):
        cells = np.floor(points[:, d] * 2 ** m).astype(int)
        assert sorted(cells) == list(range(2 ** m))
    # ... and every 2-D projection of a (0,m,2)-net's first two coordinates fills the 2^a x 2^(m-a) boxes.
    for a in range(m + 1):
        boxes = np.floor(points[:, 0] * 2 ** a).astype(int) * 2 ** (m - a) + np.floor(points[:, 1] * 2 ** (m - a)).astype(int)
        assert len(set(boxes)) == 2 ** m
    # Discrepancy far below independent uniform points (scipy's centred L2 discrepancy).
    rng = np.random.default_rng(seed)
    random_points = rng.random((2 ** m, 6))
    assert qmc.discrepancy(points) < 0.2 * qmc.discrepancy(random_points)


def test_a_space_beyond_the_direction_table_is_a_validation_error():
    with pytest.raises(sweepkit.ValidationException, match="sobol supports 1 to 1024 dimensions"):
        sweepkit.Sweep(search_space={f"x{i}": Uniform(0, 1) for i in range(1025)},
                       sampling_algorithm=RandomSamplingAlgorithm(rule="sobol"), goal="minimize")
