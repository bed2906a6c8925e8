"""The mutants of tools/mutate.py: small bugs a reviewer would plant in the engine's rules and in
the Python facade. Each replaces one unique piece of source text; keep the text exact (the tool
refuses a stale catalogue). Add a mutant when you add a rule; a mutant that survives is either a
missing test or an equivalent mutant (then delete it and say why in the commit).
"""
from dataclasses import dataclass, field
from typing import List

# The fast Swift suites: in-memory, no processes, no MLflow (seconds in all).
FAST_SWIFT = [
    "SweepKitTests.TerminationPolicyTests", "SweepKitTests.SamplerTests", "SweepKitTests.SearchSpaceTests",
    "SweepKitTests.SweepTests", "SweepKitTests.NormalDistributionTests", "SweepKitTests.JSONTests",
    "SweepKitJobsTests.JobRunnerTests", "SweepKitJobsTests.JobRecoveryTests", "SweepKitJobsTests.JobStateTests",
    "SweepKitJobsTests.JournalCodecTests", "SweepKitJobsTests.JobJournalTests", "SweepKitJobsTests.CommandRenderingTests",
]


@dataclass
class Mutant:
    id: str
    kind: str  # "swift" or "python"
    file: str
    find: str
    replace: str
    description: str
    tests: List[str] = field(default_factory=list)

    def __post_init__(self):
        if not self.tests:
            self.tests = list(FAST_SWIFT)


def swift(id, file, find, replace, description, tests=None):
    return Mutant(id, "swift", file, find, replace, description, tests or [])


def python(id, file, find, replace, description, tests):
    return Mutant(id, "python", file, find, replace, description, tests)


T = "Sources/SweepKit/Termination/"
BANDIT, MEDIAN, TRUNCATION, POLICY = (T + "BanditPolicy.swift", T + "MedianStoppingPolicy.swift",
                                      T + "TruncationSelectionPolicy.swift", T + "EarlyTerminationPolicy.swift")
SWEEP = "Sources/SweepKit/Engine/Sweep.swift"
EXPRESSION = "Sources/SweepKit/SearchSpace/ParameterExpression.swift"
SOBOL = "Sources/SweepKit/Sampling/SobolSequence.swift"
RUNNER = "Sources/SweepKitRunner/Scheduling/SweepJobRunner.swift"
RECOVERY = "Sources/SweepKitRunner/Scheduling/SweepJobRunner+Recovery.swift"
OUTCOME = "Sources/SweepKitRunner/Scheduling/TrialOutcome.swift"
STATE = "Sources/SweepKitJobs/Journal/JobState.swift"
JOURNAL = "Sources/SweepKitJobs/Journal/JobJournal.swift"
CODEC = "Sources/SweepKitJobs/Journal/JournalCodec.swift"
TEMPLATE = "Sources/SweepKitJobs/Spec/CommandTemplate.swift"
RENDERING = "Sources/SweepKitJobs/Spec/CommandRendering.swift"

MUTANTS = [
    # --- early-termination policies -----------------------------------------------------------
    swift("bandit-whole-curve", BANDIT, "let value = curve.best(upTo: interval, goal: goal)",
          "let value = curve.best(upTo: curve.values.count, goal: goal)", "B over each trial's whole curve, not up to N"),
    swift("bandit-last-value", BANDIT, "let y = own.best(upTo: interval, goal: goal)", "let y = own.values[interval - 1]",
          "Y is the value at N, not the best up to N"),
    swift("bandit-amount-sign", BANDIT, "best - slackAmount : best + slackAmount", "best - slackAmount : best - slackAmount",
          "minimize slack_amount on the wrong side"),
    swift("bandit-factor-formula", BANDIT, "threshold = best > 0 ? best / (1 + slackFactor)",
          "threshold = best > 0 ? best * (1 - slackFactor)", "B·(1−f) instead of B/(1+f)"),
    swift("bandit-nonpositive-best", BANDIT, "best - abs(best) * slackFactor / (1 + slackFactor)",
          "best - abs(best) * slackFactor", "B ≤ 0: the slack not scaled like B/(1+f)"),
    swift("bandit-minimize-factor", BANDIT, "threshold = best > 0 ? best * (1 + slackFactor)",
          "threshold = best > 0 ? best / (1 - slackFactor)", "minimize: B/(1−f) instead of B·(1+f)"),
    swift("bandit-stops-equal", BANDIT, "guard goal.isBetter(threshold, than: y) else { return nil }",
          "guard !goal.isBetter(y, than: threshold) else { return nil }", "a trial exactly at the bound is stopped"),
    swift("median-upper-middle", MEDIAN, "(averages[middle - 1] + averages[middle]) / 2", "averages[middle]",
          "even count: the upper middle average"),
    swift("median-lower-middle", MEDIAN, "(averages[middle - 1] + averages[middle]) / 2", "averages[middle - 1]",
          "even count: the lower middle average"),
    swift("median-last-value", MEDIAN, "let best = own.best(upTo: interval, goal: goal)", "let best = own.values[interval - 1]",
          "the trial's value at N, not its best so far"),
    swift("median-values-not-averages", MEDIAN, ".map { $0.values[0..<interval].reduce(0, +) / Double(interval) }",
          ".map { $0.values[interval - 1] }", "the median of the values at N, not of running averages"),
    swift("median-stops-equal", MEDIAN, "guard goal.isBetter(median, than: best) else { return nil }",
          "guard !goal.isBetter(best, than: median) else { return nil }", "a trial equal to the median is stopped"),
    swift("median-ignores-running", MEDIAN, "let averages = curves.filter { $0.values.count >= interval }",
          "let averages = curves.filter { $0.values.count >= interval && ($0.state.isFinished || $0.number == trial) }",
          "only ended trials (and itself) count"),
    swift("truncation-tie-earlier", TRUNCATION, "a.number > b.number", "a.number < b.number",
          "ties broken against the earlier trial"),
    swift("truncation-exclude-inverted", TRUNCATION, "!excludeFinishedJobs || !$0.state.isFinished",
          "excludeFinishedJobs || !$0.state.isFinished", "exclude_finished_jobs read backwards"),
    swift("truncation-latest-value", TRUNCATION, "value: $0.values[interval - 1]", "value: $0.values[$0.values.count - 1]",
          "ranks by the latest value, not the value at N"),
    swift("truncation-rounds-up", TRUNCATION, "let cut = ranked.count * percentage / 100",
          "let cut = (ranked.count * percentage + 99) / 100", "the count cut rounded up"),
    swift("truncation-threshold", TRUNCATION, "let threshold = ranked[cut].value", "let threshold = ranked[cut - 1].value",
          "the threshold is the highest value cut, not the lowest kept"),
    swift("schedule-delay-strict", POLICY, "interval >= delayEvaluation", "interval > delayEvaluation",
          "the first evaluation one interval late"),
    swift("schedule-interval", POLICY, "interval % max(1, evaluationInterval) == 0", "interval % max(2, evaluationInterval) == 0",
          "evaluation_interval 0/1 evaluates every other interval"),
    swift("curve-best-is-worst", POLICY, "goal.isBetter($1, than: $0) ? $1 : $0", "goal.isBetter($0, than: $1) ? $1 : $0",
          "a curve's best up to N is its worst"),
    swift("report-counts-nan", SWEEP, "guard value.isFinite else { return nil }", "guard !value.isInfinite else { return nil }",
          "NaN reports count as intervals"),
    swift("report-decides-again", SWEEP, "if let decided = state.decisions.first(where: { $0.trial == number }) { return decided }",
          "", "a stopped trial is evaluated again"),

    # --- limits -----------------------------------------------------------------------------------
    swift("max-total-off-by-one", SWEEP, "state.trials.count >= maxTotal", "state.trials.count > maxTotal",
          "one trial more than max_total_trials"),
    swift("max-concurrent-in-process", SWEEP, "state.runningCount >= maxConcurrent", "state.runningCount > maxConcurrent",
          "in-process: one trial more than max_concurrent_trials"),
    swift("runner-concurrency", RUNNER, "while cancelReason == nil, running.count < maxConcurrent {",
          "while cancelReason == nil, running.count <= maxConcurrent {", "jobs: one trial more than max_concurrent_trials"),
    swift("runner-trial-timeout", RUNNER, "if trial.stopReason == nil, let limit = spec.sweep.limits.trialTimeout, let since = trial.runningSince, now - since >= limit {",
          "if false, trial.stopReason == nil, let limit = spec.sweep.limits.trialTimeout, let since = trial.runningSince, now - since >= limit {", "trial_timeout never enforced"),
    swift("runner-sweep-timeout", RUNNER, "if let timeout = spec.sweep.limits.timeout, Double(Clock.epochMilliseconds() - sweepStart) / 1000 >= timeout {",
          "if false, let timeout = spec.sweep.limits.timeout, Double(Clock.epochMilliseconds() - sweepStart) / 1000 >= timeout {",
          "the sweep's timeout never enforced"),

    # --- samplers' value mapping --------------------------------------------------------------------
    swift("uniform-scale", EXPRESSION, "Swift.min(hi, lo + u * (hi - lo))", "Swift.min(hi, lo + u * hi)", "uniform: lo + u·hi"),
    swift("logbase-ignored", EXPRESSION, ": pow(base, exponent)", ": pow(2, exponent)", "logbase b: 2^x"),
    swift("normal-sigma", EXPRESSION, "return .double(mu + sigma * NormalDistribution.quantile(Self.openUnit(u)))",
          "return .double(mu + sigma * sigma * NormalDistribution.quantile(Self.openUnit(u)))", "normal: σ² for σ"),
    swift("lognormal-exp", EXPRESSION, "return .double(exp(mu + sigma * NormalDistribution.quantile(Self.openUnit(u))))",
          "return .double(exp(mu) + sigma * NormalDistribution.quantile(Self.openUnit(u)))", "lognormal: exp(μ) + σz"),
    swift("qlognormal-no-exp", EXPRESSION, "return Self.quantize(exp(mu + sigma * NormalDistribution.quantile(Self.openUnit(u))), q)",
          "return Self.quantize(mu + sigma * NormalDistribution.quantile(Self.openUnit(u)), q)", "qlognormal without exp"),
    swift("qloguniform-no-exp", EXPRESSION, "return Self.quantize(Self.power(logBase, Self.uniform(u, lo, hi)), q)",
          "return Self.quantize(Self.uniform(u, lo, hi), q)", "qloguniform without exp"),
    swift("quantize-half-up", EXPRESSION, "(x / q).rounded(.toNearestOrEven)", "(x / q).rounded()",
          "round half away from zero, not Python's half to even"),
    swift("quantize-always-float", EXPRESSION, "if q == q.rounded(), steps.isFinite,", "if q == q.rounded() + 1, steps.isFinite,",
          "an integral q gives floats"),
    swift("cell-rounds", EXPRESSION, "let x = u * Double(count)\n", "let x = u * Double(count) + 0.5\n",
          "choice/randint cells rounded instead of floored"),
    swift("open-unit-epsilon", EXPRESSION, "let epsilon = 0x1p-33", "let epsilon = 0x1p-20",
          "normal quantile clamp at 2^-20, not 2^-33"),
    swift("random-layout", "Sources/SweepKit/Sampling/RandomSampler.swift", "index: base &+ UInt64(j)",
          "index: UInt64(trialNumber) &+ UInt64(j)", "random: trials share stream outputs"),
    swift("sobol-gray-code", SOBOL, "let gray = index ^ (index >> 1)", "let gray = index", "Sobol in natural, not Gray-code, order"),
    swift("sobol-recurrence", SOBOL, "v = older ^ (older >> UInt32(s))", "v = older ^ (older >> UInt32(s + 1))",
          "Sobol direction recurrence shifted wrong"),
    swift("sobol-polynomial", SOBOL, "where (a >> (s - 1 - i)) & 1 == 1", "where (a >> (s - i)) & 1 == 1",
          "Sobol polynomial coefficients off by one bit"),
    swift("sobol-table-dim-700", "Sources/SweepKit/Sampling/SobolDirectionNumbers.swift",
          "13 1408 1 1 7 5 5 5 123 191 47 993 269 4051 2111", "13 1408 1 1 7 5 5 5 123 191 47 993 269 4051 2113",
          "one direction number of dimension 700 (m_13)"),
    swift("grid-first-key-fastest", "Sources/SweepKit/Sampling/GridSampler.swift",
          "for (index, parameter) in space.parameters.enumerated().reversed() {",
          "for (index, parameter) in space.parameters.enumerated() {", "grid: the first key varies fastest"),

    # --- journal and replay -------------------------------------------------------------------------
    swift("state-best-latest-tie", STATE, ".map({ goal.isBetter(value, than: $0) }) ?? true",
          ".map({ !goal.isBetter($0, than: value) }) ?? true", "best trial: ties go to the later one"),
    swift("state-ends-twice", STATE, "guard end.number < trials.count, trials[end.number].state == .running else {",
          "guard end.number < trials.count else {", "a trial ending twice is not ignored"),
    swift("state-unfinished-needs-pid", STATE, "trials.filter { $0.state == .running }",
          "trials.filter { $0.state == .running && $0.process != nil }", "a trial started but never launched is not recovered"),
    swift("journal-torn-tail-kept", JOURNAL, "if contents.validLength < contents.fileLength {",
          "if false, contents.validLength < contents.fileLength {", "the next writer appends onto a torn line"),
    swift("journal-damage-stops-reading", JOURNAL, "was skipped: \\(error.reason)\"))",
          "was skipped: \\(error.reason)\")); break", "a damaged line ends the journal"),
    swift("codec-checksum-ignored", CODEC, "guard utf8.suffix(2) == Array(\"\\\"}\".utf8), stored == CRC32.hex(of: text) else {",
          "guard utf8.suffix(2) == Array(\"\\\"}\".utf8) else {", "the CRC-32 is not checked"),
    swift("replay-tells-failed", RECOVERY, "try sweep.tell(end.number, value: end.value, state: end.state, message: end.message)",
          "try sweep.tell(end.number, value: nil, state: .failed, message: end.message)",
          "resume: the sampler is told every replayed trial failed"),
    swift("recovery-relaunch-inverted", RECOVERY, "if options.relaunchInterrupted, let again", "if !options.relaunchInterrupted, let again",
          "--fail-interrupted read backwards"),
    # Not a mutant: skipping the stop of a trial the policy was stopping when resuming is equivalent,
    # because the decision is restored into the sweep, so the first metric read stops it anyway.
    swift("outcome-stopped-keeps-later-points", OUTCOME,
          "let seen = trial.stopInterval.map { Array(intervals.prefix($0)) } ?? intervals", "let seen = intervals",
          "a stopped trial's value counts points logged after the decision"),
    swift("outcome-best-is-worst", OUTCOME, "where goal.isBetter(value, than: best) { best = value }",
          "where goal.isBetter(best, than: value) { best = value }", "a trial's value is its worst point"),
    swift("metrics-after-exit-evaluated", RUNNER, "        if afterExit {\n", "        if false {\n",
          "points read after the trial exited are evaluated (a finished trial is stopped)"),

    # --- substitution ------------------------------------------------------------------------------
    swift("quote-plain-unquoted", TEMPLATE, "case .plain: output += shellQuoted(value)", "case .plain: output += value",
          "a plain-word value is not quoted"),
    swift("quote-double-dollar", TEMPLATE, "character == \"\\\\\" || character == \"$\" || character == \"`\"",
          "character == \"\\\\\" || character == \"`\"", "inside double quotes, $ is not escaped"),
    swift("quote-single-unquoted", TEMPLATE, "case .singleQuoted: output += \"'\" + alwaysQuoted(value) + \"'\"",
          "case .singleQuoted: output += value", "inside single quotes, the value is pasted"),
    swift("optional-segment-kept", TEMPLATE, "} else if indices.allSatisfy({ values[$0] != nil }) {", "} else if true {",
          "[--opt ${{inputs.o}}] kept when o has no value"),
    swift("braces-no-spaces", TEMPLATE, "let inner = String(rest[start.upperBound..<end.lowerBound]).trimmingWhitespace",
          "let inner = String(rest[start.upperBound..<end.lowerBound])", "${{ x }} with spaces is not a placeholder"),
    swift("backticks-allowed", TEMPLATE, "guard substitutionDepth == 0, !inBackticks else {", "guard substitutionDepth == 0 else {",
          "a placeholder inside backticks is accepted"),
    swift("format-bool-lowercase", TEMPLATE, "return b ? \"True\" : \"False\"", "return b ? \"true\" : \"false\"",
          "booleans as JSON, not Python's str"),
    swift("format-float-integral", TEMPLATE, "        return d.description\n",
          "        return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : d.description\n", "3.0 written as 3"),
    swift("inputs-data-path", RENDERING, "value = data[\"path\"]", "value = data[\"type\"]", "a data input gives its type, not its path"),
    swift("outputs-folder", RENDERING, "value = .string(\"outputs/\\(placeholder.key)\")", "value = .string(placeholder.key)",
          "${{outputs.x}} is x, not outputs/x"),

    # --- the Python facade ---------------------------------------------------------------------------
    python("py-exclude-finished-dropped", "python/src/sweepkit/sweep/_policies.py",
           "spec[\"exclude_finished_jobs\"] = self.exclude_finished_jobs", "spec[\"exclude_finished_jobs\"] = False",
           "exclude_finished_jobs=True never reaches the engine",
           ['tests/test_validation.py', 'tests/test_early_termination.py', '-k', 'test_exclude_finished_jobs_reaches_the_engine or test_validation']),
    python("py-bandit-amount-as-factor", "python/src/sweepkit/sweep/_policies.py",
           "spec[\"slack_amount\"] = self.slack_amount", "spec[\"slack_amount\"] = self.slack_factor",
           "slack_amount takes slack_factor's value", ['tests/test_validation.py', 'tests/test_early_termination.py', '-k', 'test_in_process_policies_follow_their_arguments or test_validation']),
    python("py-resume-noop", "python/src/sweepkit/_client.py",
           "            process = _engine_process.start(self._workspace, name, fail_interrupted=fail_interrupted)\n"
           "            _engine_process.wait_until_running(self._workspace, name, process)\n",
           "            pass\n", "MLClient().jobs.resume does nothing", ['tests/test_job_durability.py', '-k', 'test_mlclient_resume']),
    python("py-resume-fail-interrupted-dropped", "python/src/sweepkit/_client.py", "name, fail_interrupted=fail_interrupted)",
           "name, fail_interrupted=False)", "resume(fail_interrupted=True) relaunches instead",
           ['tests/test_job_durability.py', '-k', 'test_mlclient_resume']),
    python("py-cancel-dead-engine", "python/src/sweepkit/_client.py",
           "if _engine.job_cancel(self._workspace, name)[\"status\"] == JobStatus.notResponding:", "if False:",
           "begin_cancel of a job whose engine died starts no engine to stop its trials",
           ['tests/test_job_durability.py', '-k', 'test_mlclient_begin_cancel_of_a_job_whose_engine_died']),
    python("py-command-timeout-dropped", "python/src/sweepkit/_builders.py",
           "trial_timeout=trial_timeout if trial_timeout is not None else self.timeout)", "trial_timeout=trial_timeout)",
           "Command(timeout=) no longer becomes trial_timeout",
           ['tests/test_sweep_jobs.py', '-k', 'test_command_timeout_becomes_trial_timeout or test_trial_timeout_cancels_a_hanging_trial']),
    python("py-set-limits-update-drops-trial-timeout", "python/src/sweepkit/sweep/_sweep_job.py",
           "(\"timeout\", timeout), (\"trial_timeout\", trial_timeout)):", "(\"timeout\", timeout)):",
           "set_limits(trial_timeout=) on existing limits is ignored",
           ['tests/test_sweep_jobs.py', '-k', 'test_command_timeout_becomes_trial_timeout']),
    python("py-download-first-trial", "python/src/sweepkit/_client.py", "outputs = os.path.join(best[\"directory\"], \"outputs\")",
           "outputs = os.path.join(report[\"trials\"][0][\"directory\"], \"outputs\")", "download copies trial 0, not the best",
           ['tests/test_sweep_jobs.py', '-k', 'test_a_grid_sweep_logs_nested_runs_and_reports_the_best_trial']),
    python("py-download-no-logs", "python/src/sweepkit/_client.py",
           "shutil.copytree(best[\"log_directory\"], os.path.join(artifacts, \"user_logs\"), dirs_exist_ok=True)",
           "os.makedirs(os.path.join(artifacts, \"user_logs\"), exist_ok=True)", "download leaves the logs out",
           ['tests/test_sweep_jobs.py', '-k', 'test_a_grid_sweep_logs_nested_runs_and_reports_the_best_trial']),
    python("py-stream-failed-silent", "python/src/sweepkit/_client.py", "if progress[\"status\"] == JobStatus.failed:", "if False:",
           "jobs.stream of a Failed sweep returns normally", ['tests/test_sweep_jobs.py', '-k', 'test_stream_raises_for_a_failed_sweep']),
    python("py-sweep-inputs-not-rewritten", "python/src/sweepkit/_builders.py",
           "return _engine.command_sweep_inputs(command, list(space))", "return command",
           "${{inputs.x}} of a swept x is not rewritten",
           ['tests/test_sweep_jobs.py', '-k', 'test_trials_get_a_working_copy_substituted_values_environment_and_logs']),
    python("py-trial-stopped-failed", "python/src/sweepkit/_inprocess.py",
           "self.tell(trial, state=TrialState.canceled.value, message=_bounded(reason))",
           "self.tell(trial, state=TrialState.failed.value, message=_bounded(reason))", "optimize records TrialStopped as Failed",
           ['tests/test_early_termination.py', '-k', 'test_in_process_report_returns_true_and_optimize_records_the_stop']),
    python("py-catch-ignored", "python/src/sweepkit/_inprocess.py", "except catch as error:", "except () as error:",
           "optimize(catch=...) catches nothing",
           ['tests/test_inprocess.py', '-k', 'test_failures_nan_and_caught_exceptions_are_recorded_and_the_sweep_goes_on']),
    python("py-told-value-lost", "python/src/sweepkit/_inprocess.py", "told.value = None if math.isnan(numeric) else numeric",
           "told.value = None", "a told Trial object keeps no value", ['tests/test_inprocess.py']),
    python("py-report-forgets-decision", "python/src/sweepkit/_inprocess.py",
           "        if decision is not None:\n            self._decision = decision\n", "",
           "trial.report never returns True", ['tests/test_early_termination.py', '-k', 'test_in_process_report_returns_true_and_optimize_records_the_stop']),
    python("py-trials-list-drops-first", "python/src/sweepkit/_client.py",
           "return [TrialJob(t, report.get(\"experiment_name\", \"\")) for t in report[\"trials\"]]",
           "return [TrialJob(t, report.get(\"experiment_name\", \"\")) for t in report[\"trials\"][1:]]",
           "jobs.list(parent_job_name=) loses the first trial",
           ['tests/test_sweep_jobs.py', '-k', 'test_a_grid_sweep_logs_nested_runs_and_reports_the_best_trial']),
]
