"""Each parameter expression against its documented formula, with statistical tests over 10^4 draws
(Kolmogorov-Smirnov against scipy.stats for continuous ones, chi-square against the exact pmf for
discrete ones), for both the random and the scrambled-Sobol rule; and quantisation exactly."""
import math

import numpy as np
import pytest
from scipy import stats

import sweepkit
from sweepkit.sweep import (Choice, LogNormal, LogUniform, Normal, QLogNormal, QLogUniform, QNormal, QUniform,
                            RandomSamplingAlgorithm, Randint, Uniform)

N = 10_000
ALPHA = 1e-3  # fixed seeds make every test deterministic; the threshold only guards against a wrong law


def draw(expression, rule="random", seed=2024, n=N):
    sweep = sweepkit.Sweep(search_space={"v": expression}, goal="minimize",
                           sampling_algorithm=RandomSamplingAlgorithm(rule=rule, seed=seed))
    values = []
    for _ in range(n):
        trial = sweep.ask()
        values.append(trial.params["v"])
        sweep.tell(trial, 0.0)
    return values


CONTINUOUS = [
    (Uniform(-2, 3), stats.uniform(loc=-2, scale=5)),
    (LogUniform(-5, 1), stats.loguniform(math.exp(-5), math.exp(1))),
    (Normal(1.5, 0.3), stats.norm(loc=1.5, scale=0.3)),
    (LogNormal(0.2, 0.7), stats.lognorm(s=0.7, scale=math.exp(0.2))),
]


@pytest.mark.parametrize("rule", ["random", "sobol"])
@pytest.mark.parametrize("expression,law", CONTINUOUS, ids=lambda x: getattr(x, "type", ""))
def test_continuous_expressions_follow_their_law(expression, law, rule):
    values = draw(expression, rule)
    assert stats.kstest(values, law.cdf).pvalue > ALPHA


def quantised_pmf(law, q, multiples):
    """P(round(X / q) * q == m) = P(m - q/2 <= X < m + q/2) for each multiple m of q."""
    return {m: law.cdf(m + q / 2) - law.cdf(m - q / 2) for m in multiples}


def chi_square_pvalue(values, pmf):
    keys = sorted(pmf)
    counts = np.array([sum(1 for v in values if v == k) for k in keys], dtype=float)
    expected = np.array([pmf[k] for k in keys]) * len(values)
    assert counts.sum() == len(values), "a value fell outside the support"
    # Pool the sparse tail cells so the chi-square approximation holds.
    keep = expected >= 5
    observed = np.append(counts[keep], counts[~keep].sum())
    exp = np.append(expected[keep], expected[~keep].sum())
    if exp[-1] == 0:
        observed, exp = observed[:-1], exp[:-1]
    return stats.chisquare(observed, exp * observed.sum() / exp.sum()).pvalue


@pytest.mark.parametrize("rule", ["random", "sobol"])
def test_randint_is_uniform_on_zero_to_upper_exclusive(rule):
    values = draw(Randint(upper=7), rule)
    assert set(values) == set(range(7)) and all(isinstance(v, int) for v in values)
    assert chi_square_pvalue(values, {k: 1 / 7 for k in range(7)}) > ALPHA


@pytest.mark.parametrize("rule", ["random", "sobol"])
def test_choice_is_uniform_over_its_values(rule):
    values = draw(Choice(["a", 2, True, 0.5]), rule)
    assert chi_square_pvalue([repr(v) for v in values], {repr(k): 0.25 for k in ["a", 2, True, 0.5]}) > ALPHA


QUANTISED = [
    (QUniform(0, 10, 3), stats.uniform(loc=0, scale=10), 3, range(0, 5)),
    (QLogUniform(0, 3, 2), stats.loguniform(1, math.exp(3)), 2, range(0, 12)),
    (QNormal(5, 4, 2), stats.norm(loc=5, scale=4), 2, range(-20, 30)),
    (QLogNormal(1, 0.5, 1), stats.lognorm(s=0.5, scale=math.e), 1, range(0, 60)),
]


@pytest.mark.parametrize("rule", ["random", "sobol"])
@pytest.mark.parametrize("expression,law,q,support", QUANTISED, ids=lambda x: getattr(x, "type", ""))
def test_quantised_expressions_follow_round_of_the_law_over_q(expression, law, q, support, rule):
    values = draw(expression, rule)
    # Integer q gives integers, exact multiples of q.
    assert all(isinstance(v, int) and v % q == 0 for v in values)
    assert chi_square_pvalue(values, quantised_pmf(law, q, [k * q for k in support])) > ALPHA


def test_quantisation_with_a_fractional_q_gives_exact_multiples():
    for value in draw(QUniform(0.0, 1.0, 0.1), n=500):
        assert value == round(value / 0.1) * 0.1
        assert isinstance(value, float)


def test_loguniform_honours_logbase():
    sweep = sweepkit.Sweep(search_space={"v": LogUniform(-3, 0)}, goal="minimize",
                           sampling_algorithm=RandomSamplingAlgorithm(seed=1, logbase=10))
    values = [sweep.ask().params["v"] for _ in range(2000)]
    assert min(values) >= 1e-3 and max(values) <= 1
    assert stats.kstest(values, stats.loguniform(1e-3, 1).cdf).pvalue > ALPHA


def test_normal_values_use_the_exact_normal_quantile():
    """Unscrambled Sobol points are known (scipy), so Normal values can be checked exactly."""
    from scipy.stats import qmc
    sweep = sweepkit.Sweep(search_space={"v": Normal(2, 3)}, goal="minimize",
                           sampling_algorithm=RandomSamplingAlgorithm(rule="sobol"))
    points = qmc.Sobol(1, scramble=False).random(256)[1:, 0]  # point 0 is 0: see the README
    sweep.ask()
    values = [sweep.ask().params["v"] for _ in range(255)]
    np.testing.assert_allclose(values, 2 + 3 * stats.norm.ppf(points), rtol=1e-13, atol=1e-13)


def test_every_expression_maps_known_sobol_points_through_its_documented_formula():
    """With the plain Sobol rule the unit points are scipy's, so every value can be recomputed
    from the documentation's formula (Python's round is round-half-even, as the engine's)."""
    from scipy.stats import qmc
    space = {
        "u": Uniform(-2, 3), "lu": LogUniform(-5, 1), "qu": QUniform(0, 10, 3), "qlu": QLogUniform(0, 3, 0.5),
        "n": Normal(1, 2), "ln": LogNormal(0.5, 0.25), "qn": QNormal(0, 5, 2), "qln": QLogNormal(1, 0.5, 0.25),
        "r": Randint(upper=5), "c": Choice(["a", "b", "c"]),
    }
    sweep = sweepkit.Sweep(search_space=space, goal="minimize", sampling_algorithm=RandomSamplingAlgorithm(rule="sobol"))
    points = qmc.Sobol(len(space), scramble=False).random(512)
    formulas = {
        "u": lambda x: -2 + x * 5, "lu": lambda x: math.exp(-5 + x * 6), "qu": lambda x: round((x * 10) / 3) * 3,
        "qlu": lambda x: round(math.exp(x * 3) / 0.5) * 0.5,
        "n": lambda x: 1 + 2 * stats.norm.ppf(x), "ln": lambda x: math.exp(0.5 + 0.25 * stats.norm.ppf(x)),
        "qn": lambda x: round(5 * stats.norm.ppf(x) / 2) * 2,
        "qln": lambda x: round(math.exp(1 + 0.5 * stats.norm.ppf(x)) / 0.25) * 0.25,
        "r": lambda x: math.floor(x * 5), "c": lambda x: "abc"[math.floor(x * 3)],
    }
    for index, row in enumerate(points):
        params = sweep.ask().params
        if index == 0:
            continue  # the all-zero point: the normal quantile of 0 is clamped (see the README)
        for (name, formula), x in zip(formulas.items(), row):
            expected = formula(x)
            if isinstance(expected, str) or name in ("r", "qu", "qn"):
                assert params[name] == expected, (index, name)
            else:
                assert params[name] == pytest.approx(expected, rel=1e-12, abs=1e-12), (index, name)
