"""Test problems of the fixed-budget quality benchmark (benchmarks/quality.py), shared by every engine.

Each problem is a minimisation over a box. `space` lists (name, low, high, log) in a fixed order so
every engine sees the same search space; `f_star` is the known global minimum (None for svc_bc,
whose reference is the best value any run or grid has seen). Written from the functions' published
definitions (Branin-Hoo, Hartmann 6-D, Rosenbrock, Levy; e.g. the Simon Fraser "Virtual Library of
Simulation Experiments" pages). Only numpy is needed, plus scikit-learn for svc_bc.
"""
import math

import numpy as np


def branin(x):
    """Branin-Hoo on [-5, 10] x [0, 15]; three global minima of 5/(4 pi)."""
    u, v = x
    b = 5.1 / (4.0 * math.pi ** 2)
    c = 5.0 / math.pi
    t = 1.0 / (8.0 * math.pi)
    return (v - b * u * u + c * u - 6.0) ** 2 + 10.0 * (1.0 - t) * math.cos(u) + 10.0


# Hartmann 6-D: f(x) = -sum_i alpha_i exp(-sum_j A_ij (x_j - P_ij)^2) on [0, 1]^6.
HARTMANN_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
HARTMANN_A = np.array([[10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
                       [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
                       [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
                       [17.0, 8.0, 0.05, 10.0, 0.1, 14.0]])
HARTMANN_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886],
                              [2329, 4135, 8307, 3736, 1004, 9991],
                              [2348, 1451, 3522, 2883, 3047, 6650],
                              [4047, 8828, 8732, 5743, 1091, 381]], dtype=float)
HARTMANN_ARGMIN = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]
HARTMANN_FSTAR = -3.3223680114155147


def hartmann6(x):
    z = np.asarray(x, dtype=float)
    inner = np.sum(HARTMANN_A * (z[None, :] - HARTMANN_P) ** 2, axis=1)
    return float(-np.dot(HARTMANN_ALPHA, np.exp(-inner)))


def rosenbrock(x):
    z = np.asarray(x, dtype=float)
    head, tail = z[:-1], z[1:]
    return float(np.sum(100.0 * (tail - head * head) ** 2 + (1.0 - head) ** 2))


def levy(x):
    """Levy: w = 1 + (x - 1) / 4; minimum 0 at x = (1, ..., 1)."""
    w = 1.0 + (np.asarray(x, dtype=float) - 1.0) / 4.0
    first = math.sin(math.pi * w[0]) ** 2
    middle = np.sum((w[:-1] - 1.0) ** 2 * (1.0 + 10.0 * np.sin(math.pi * w[:-1] + 1.0) ** 2))
    last = (w[-1] - 1.0) ** 2 * (1.0 + math.sin(2.0 * math.pi * w[-1]) ** 2)
    return float(first + middle + last)


_breast_cancer = None


def svc_breast_cancer(x):
    """1 - mean accuracy of StandardScaler + RBF SVC(C, gamma), 5-fold stratified CV (shuffled with
    random_state 0, so deterministic) on scikit-learn's bundled breast-cancer data (569 x 30)."""
    global _breast_cancer
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    if _breast_cancer is None:
        _breast_cancer = load_breast_cancer(return_X_y=True)
    features, labels = _breast_cancer
    c, gamma = x
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    model = make_pipeline(StandardScaler(), SVC(C=c, gamma=gamma, kernel="rbf"))
    return float(1.0 - cross_val_score(model, features, labels, cv=folds).mean())


PROBLEMS = {
    "branin2": {"fn": branin, "f_star": 5.0 / (4.0 * math.pi),
                "space": [("x1", -5.0, 10.0, False), ("x2", 0.0, 15.0, False)]},
    "hartmann6": {"fn": hartmann6, "f_star": HARTMANN_FSTAR,
                  "space": [(f"x{i}", 0.0, 1.0, False) for i in range(6)]},
    "rosenbrock5": {"fn": rosenbrock, "f_star": 0.0,
                    "space": [(f"x{i}", -5.0, 10.0, False) for i in range(5)]},
    "levy5": {"fn": levy, "f_star": 0.0,
              "space": [(f"x{i}", -10.0, 10.0, False) for i in range(5)]},
    "svc_bc": {"fn": svc_breast_cancer, "f_star": None,
               "space": [("C", 1e-3, 1e3, True), ("gamma", 1e-5, 1e1, True)]},
}

if __name__ == "__main__":
    # The known optima, as a check of the definitions above.
    for point in ([-math.pi, 12.275], [math.pi, 2.275], [9.42478, 2.475]):
        print("branin", point, branin(point), "f* =", PROBLEMS["branin2"]["f_star"])
    print("hartmann6", hartmann6(HARTMANN_ARGMIN), "f* =", HARTMANN_FSTAR)
    print("rosenbrock5 at 1", rosenbrock([1.0] * 5), "levy5 at 1", levy([1.0] * 5))
