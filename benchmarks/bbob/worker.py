#!/usr/bin/env python3
"""Runs BBOB cells for one engine, inside that engine's virtualenv (benchmarks/bbob/make_venv.sh);
started by benchmarks/bbob/bbob.py, which picks the cells.

A cell is (engine, function, dimension, instance): `budget` sequential trials minimising the BBOB
function from ioh (IOHprofiler) on its domain [-5, 5]^d, seeded with the instance number. One JSON
line per finished cell is appended to --out:
  {"engine", "version", "function", "dim", "instance", "budget", "seed", "f_opt", "values", "wall_s", "cpu_s",
   "concurrency"}
where `values` are the trial values in the order they were told and f_opt is the instance's known
optimum. Cells already in --out are skipped, so a run can be stopped and started again.

--concurrency N (SweepKit and Optuna): N trials are pending at every suggestion, as with
max_concurrent_trials N: N are asked, then the oldest is told and the next asked, until the budget.

Engines:
  sweepkit-bayesian, sweepkit-random   SweepKit's samplers (in-process Sweep.optimize)
  sweepkit-tpe                         the TPE plugin (plugins/tpe; --tpe-plugin is its library)
  optuna-gp, optuna-tpe                Optuna's GPSampler(seed) and TPESampler(seed), defaults
  botorch                              SingleTaskGP + qLogNoisyExpectedImprovement (see botorch_run)
"""
import argparse
import json
import os
import sys
import time


def bbob_problem(function, dim, instance):
    import ioh

    return ioh.get_problem(function, instance=instance, dimension=dim, problem_class=ioh.ProblemClass.BBOB)


def first_in_first_out(ask, tell, evaluate, budget, concurrency):
    """Keeps `concurrency` trials pending: tells the oldest, asks the next, until `budget` are told."""
    pending, told, asked = [], 0, 0
    while told < budget:
        while len(pending) < concurrency and asked < budget:
            pending.append(ask())
            asked += 1
        trial = pending.pop(0)
        tell(trial, evaluate(trial))
        told += 1


def sweepkit_run(engine, problem, dim, budget, seed, plugin, concurrency=1):
    import sweepkit
    from sweepkit.sweep import RandomSamplingAlgorithm, Uniform

    if engine == "sweepkit-tpe":
        sweepkit.load_plugin(plugin)
    algorithm = {"sweepkit-bayesian": {"type": "bayesian", "seed": seed},
                 "sweepkit-random": RandomSamplingAlgorithm(rule="random", seed=seed),
                 "sweepkit-tpe": {"type": "tpe", "seed": seed}}[engine]
    names = [f"x{i}" for i in range(dim)]
    values = []

    def objective(trial):
        value = float(problem([trial.params[n] for n in names]))
        values.append(value)
        return value

    sweep = sweepkit.Sweep(search_space={n: Uniform(-5.0, 5.0) for n in names}, sampling_algorithm=algorithm,
                           goal="minimize", max_total_trials=budget)
    if concurrency == 1:
        sweep.optimize(objective)
    else:
        first_in_first_out(sweep.ask, sweep.tell, objective, budget, concurrency)
    return values, sweepkit.__version__


def optuna_run(engine, problem, dim, budget, seed, concurrency=1):
    import warnings

    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore")
    sampler = optuna.samplers.GPSampler(seed=seed) if engine == "optuna-gp" else optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(sampler=sampler)

    def objective(trial):
        return float(problem([trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(dim)]))

    if concurrency == 1:
        study.optimize(objective, n_trials=budget)
        return [t.value for t in study.trials], optuna.__version__
    values = []

    def ask():
        # The parameters are drawn now, while the other asked trials are pending (RUNNING).
        trial = study.ask()
        return trial, [trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(dim)]

    def evaluate(asked):
        values.append(float(problem(asked[1])))
        return values[-1]

    first_in_first_out(ask, lambda asked, value: study.tell(asked[0], value), evaluate, budget, concurrency)
    return values, optuna.__version__


def botorch_run(problem, dim, budget, seed):
    """The usual BoTorch loop: inputs scaled to [0, 1]^d; an initial scrambled Sobol design of
    max(d + 1, 10) points (SweepKit's Bayesian uses the same size); then per trial a SingleTaskGP
    (BoTorch's default priors and Standardize outcome transform) fitted by fit_gpytorch_mll, and
    qLogNoisyExpectedImprovement (q = 1, pruned baseline, 128 quasi-MC samples) maximised by
    optimize_acqf (10 restarts from 512 raw samples). float64, one torch thread."""
    import warnings

    import botorch
    import torch
    from botorch.acquisition.logei import qLogNoisyExpectedImprovement
    from botorch.fit import fit_gpytorch_mll
    from botorch.models import SingleTaskGP
    from botorch.models.transforms.outcome import Standardize
    from botorch.optim import optimize_acqf
    from botorch.sampling.normal import SobolQMCNormalSampler
    from gpytorch.mlls import ExactMarginalLogLikelihood

    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    dtype = torch.double
    n_init = min(budget, max(dim + 1, 10))
    sobol = torch.quasirandom.SobolEngine(dimension=dim, scramble=True, seed=seed)
    unit = sobol.draw(n_init).to(dtype)
    bounds = torch.stack([torch.zeros(dim, dtype=dtype), torch.ones(dim, dtype=dtype)])

    def evaluate(u):
        return float(problem((u * 10.0 - 5.0).tolist()))

    values = [evaluate(u) for u in unit]
    xs = unit
    while len(values) < budget:
        ys = -torch.tensor(values, dtype=dtype).unsqueeze(-1)  # BoTorch maximises
        model = SingleTaskGP(xs, ys, outcome_transform=Standardize(m=1))
        try:
            fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
        except Exception:  # keep the default hyperparameters when the fit fails
            pass
        acquisition = qLogNoisyExpectedImprovement(model=model, X_baseline=xs, prune_baseline=True,
                                                   sampler=SobolQMCNormalSampler(sample_shape=torch.Size([128]), seed=seed))
        candidate, _ = optimize_acqf(acquisition, bounds=bounds, q=1, num_restarts=10, raw_samples=512,
                                     options={"seed": seed + len(values)})
        candidate = candidate.detach().clamp(0.0, 1.0)
        values.append(evaluate(candidate[0]))
        xs = torch.cat([xs, candidate])
    return values, botorch.__version__


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", required=True)
    parser.add_argument("--cells", required=True, help="JSON list of [function, dim, instance, budget]")
    parser.add_argument("--out", required=True)
    parser.add_argument("--tpe-plugin", default=None)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    if args.concurrency > 1 and not args.engine.startswith(("sweepkit-", "optuna-")):
        sys.exit(f"--concurrency: {args.engine} runs one trial at a time here")
    done = set()
    if os.path.exists(args.out):
        with open(args.out) as lines:
            for line in lines:
                if line.strip():
                    row = json.loads(line)
                    done.add((row["function"], row["dim"], row["instance"]))
    for function, dim, instance, budget in json.loads(args.cells):
        if (function, dim, instance) in done:
            continue
        problem = bbob_problem(function, dim, instance)
        seed = instance
        started, cpu_started = time.perf_counter(), time.process_time()
        if args.engine.startswith("sweepkit-"):
            values, version = sweepkit_run(args.engine, problem, dim, budget, seed, args.tpe_plugin, args.concurrency)
        elif args.engine.startswith("optuna-"):
            values, version = optuna_run(args.engine, problem, dim, budget, seed, args.concurrency)
        elif args.engine == "botorch":
            values, version = botorch_run(problem, dim, budget, seed)
        else:
            sys.exit(f"unknown engine {args.engine}")
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        row = {"engine": args.engine, "version": version, "function": function, "dim": dim, "instance": instance,
               "budget": budget, "seed": seed, "f_opt": float(problem.optimum.y), "values": values,
               "wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "concurrency": args.concurrency}
        with open(args.out, "a") as out:
            out.write(json.dumps(row) + "\n")
        regret = min(values) - row["f_opt"]
        print(f"{args.engine}@q{args.concurrency:<3d} f{function:<2d} d={dim:<2d} i={instance} regret={regret:.4g} wall={wall:.1f}s cpu={cpu:.1f}s", flush=True)


if __name__ == "__main__":
    main()
