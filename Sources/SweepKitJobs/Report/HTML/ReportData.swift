import SweepKit

/// What the HTML report's script draws: the job, its parameters (scales, categories), its trials
/// in columns (so 10,000 trials stay a few megabytes), the importance and the spec. Everything the
/// page shows is decided here, in the engine; the script only lays it out.
///
/// Trials are columns indexed alike: `n` number, `s` status (index into `statuses`), `v` value,
/// `t0`/`t1` start and end (ms after the job's start), `p` one column per parameter (numbers, or
/// indices into a categorical parameter's categories; null when a trial does not have it), `h` the
/// primary metric's curve the policy saw (6 significant digits), `m` one column per metric, `x`
/// index into `exits`; and sparse maps by row for the rest: `stop` [interval, value, threshold,
/// policy, reason], `msg`, `attempts`, `queue` (seconds a cluster's trial waited to start), and
/// `names`/`logs` where they differ from `<job>_<n>` and `<log_root>/<name>`.
enum ReportData {
    static let statuses: [TrialState] = [.running, .completed, .failed, .canceled]
    /// Longer messages (a failed trial's stderr tail) are cut in the report; the log has them whole.
    static let messageLimit = 600

    static func json(_ report: JobReport, now: Int64) -> JSONValue {
        let state = report.state
        let spec = report.spec
        let sweep = spec?.sweep
        let trials = report.trials
        let name = spec?.name ?? ""
        let origin = state.started ?? state.created ?? trials.first?.startedAt ?? now
        let parameters = ReportParameters.describe(space: sweep?.searchSpace, logBase: sweep?.samplingAlgorithm.logBase,
                                                   trials: trials)
        var metricNames: [String] = []
        for trial in trials {
            for key in trial.metrics.keys where !metricNames.contains(key) { metricNames.append(key) }
        }

        var exits: [String] = []
        var columns = (n: [JSONValue](), s: [JSONValue](), v: [JSONValue](), t0: [JSONValue](), t1: [JSONValue](),
                       h: [JSONValue](), x: [JSONValue]())
        var paramColumns = [[JSONValue]](repeating: [], count: parameters.count)
        var metricColumns = [[JSONValue]](repeating: [], count: metricNames.count)
        var stops = JSONObject(), messages = JSONObject(), attempts = JSONObject(), names = JSONObject(), logs = JSONObject()
        var queues = JSONObject()
        let logRoot = report.directory.map { "\($0)/logs" } ?? ""
        for (row, trial) in trials.enumerated() {
            let key = String(row)
            columns.n.append(.int(trial.number))
            columns.s.append(.int(statuses.firstIndex(of: trial.state) ?? 0))
            columns.v.append(number(trial.value))
            columns.t0.append(.int(Int(trial.startedAt - origin)))
            columns.t1.append(trial.endedAt.map { .int(Int($0 - origin)) } ?? .null)
            columns.h.append(.array(trial.history.map { curvePoint($0) }))
            if let exit = trial.exit {
                if !exits.contains(exit) { exits.append(exit) }
                columns.x.append(.int(exits.firstIndex(of: exit) ?? 0))
            } else {
                columns.x.append(.null)
            }
            for (column, parameter) in parameters.enumerated() {
                paramColumns[column].append(cell(trial.flatParams[parameter.name], parameter))
            }
            for (column, metric) in metricNames.enumerated() {
                metricColumns[column].append(trial.metrics[metric].map { $0.number.map(number) ?? .null } ?? .null)
            }
            if let stop = trial.stopDecision {
                stops[key] = [.int(stop.interval), number(stop.value), number(stop.threshold), .string(stop.policy),
                              .string(stop.reason)]
            }
            if let message = trial.message, !message.isEmpty {
                messages[key] = .string(message.count > messageLimit ? String(message.prefix(messageLimit)) + "…" : message)
            }
            if trial.attempts > 1 { attempts[key] = .int(trial.attempts) }
            if let queue = trial.queueSeconds { queues[key] = number(queue) }
            if trial.name != "\(name)_\(trial.number)" { names[key] = .string(trial.name) }
            if !trial.logDirectory.isEmpty, trial.logDirectory != "\(logRoot)/\(trial.name)" { logs[key] = .string(trial.logDirectory) }
        }

        var counts: JSONObject = [:]
        for status in statuses { counts[status.rawValue] = .int(trials.filter { $0.state == status }.count) }
        counts["Stopped"] = .int(trials.filter { $0.stopDecision != nil && $0.state == .canceled }.count)

        var job: JSONObject = [
            "name": .string(name), "display_name": .string(spec?.displayName ?? name),
            "experiment": .string(spec?.experimentName ?? ""), "status": .string(report.status.rawValue),
            "primary_metric": .string(sweep?.primaryMetric ?? ""), "goal": .string(sweep?.goal.rawValue ?? "maximize"),
            "sampler": .string(samplerLabel(sweep)), "policy": .string(sweep?.earlyTermination?.typeName ?? "none"),
            "policy_settings": .string(policySettings(sweep)),
            "origin": .int(Int(origin)), "generated": .int(Int(now)),
        ]
        if let reason = report.reason { job["reason"] = .string(reason) }
        if let created = state.created { job["created"] = .int(Int(created)) }
        if let ended = state.ended { job["ended"] = .int(Int(ended)) }
        if let cpu = state.engineCPUSeconds { job["engine_cpu_seconds"] = number(cpu) }
        if let directory = report.directory { job["directory"] = .string(directory) }
        if let limits = sweep?.limits {
            var object = JSONObject()
            if let n = limits.maxTotalTrials { object["max_total_trials"] = .int(n) }
            if let n = limits.maxConcurrentTrials { object["max_concurrent_trials"] = .int(n) }
            if let s = limits.timeout { object["timeout"] = number(s) }
            if let s = limits.trialTimeout { object["trial_timeout"] = number(s) }
            job["limits"] = .object(object)
        }
        let progress = ProgressLine(report: report, now: now)
        if let total = progress.total { job["total"] = .int(total) }

        let importance: JSONValue
        if let computed = ParameterImportance.of(trials: trials, parameters: parameters, space: sweep?.searchSpace) {
            importance = computed.json
        } else {
            importance = ["method": .string(ParameterImportance.method),
                          "note": .string("Parameter importance needs at least \(ParameterImportance.minimumTrials) completed trials with different values.")]
        }
        var object: JSONObject = [
            "version": 1, "job": .object(job), "counts": .object(counts),
            "statuses": .array(statuses.map { .string($0.rawValue) }),
            "best": report.state.bestNumber.map { JSONValue.int($0) } ?? .null,
            "params": .array(parameters.map(\.json)), "metrics": .array(metricNames.map(JSONValue.string)),
            "trials": [
                "n": .array(columns.n), "s": .array(columns.s), "v": .array(columns.v), "t0": .array(columns.t0),
                "t1": .array(columns.t1), "p": .array(paramColumns.map(JSONValue.array)), "h": .array(columns.h),
                "m": .array(metricColumns.map(JSONValue.array)), "x": .array(columns.x),
                "stop": .object(stops), "msg": .object(messages), "attempts": .object(attempts), "queue": .object(queues),
                "names": .object(names),
                "logs": .object(logs),
            ],
            "exits": .array(exits.map(JSONValue.string)), "log_root": .string(logRoot),
            "importance": importance, "spec": spec?.json ?? .null,
        ]
        if !report.journalProblems.isEmpty { object["problems"] = .array(report.journalProblems.map(JSONValue.string)) }
        return .object(object)
    }

    /// A learning curve's point, to 6 significant digits (as the page prints values): curves are
    /// most of a large report, and a chart cannot show more (10,000 trials: 4.4 MB → 3.2 MB).
    static func curvePoint(_ value: Double) -> JSONValue {
        guard value.isFinite else { return .null }
        return Double(ReportFormatting.number(value)).map(JSONValue.double) ?? .double(value)
    }

    /// A number for the page: JSON has no NaN or infinity.
    static func number(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .double(value)
    }

    static func cell(_ value: JSONValue?, _ parameter: ReportParameter) -> JSONValue {
        guard let value, !value.isNull else { return .null }
        if parameter.scale == .category {
            return parameter.categories.firstIndex(of: ReportParameter.label(value)).map { .int($0) } ?? .null
        }
        return number(value.number)
    }

    static func samplerLabel(_ sweep: SweepSpec?) -> String {
        guard let algorithm = sweep?.samplingAlgorithm else { return "" }
        var label = algorithm.type
        if let rule = algorithm.rule, rule != algorithm.type { label += " (\(rule))" }
        if let seed = algorithm.seed { label += ", seed \(seed)" }
        return label
    }

    /// `slack_factor=0.1, evaluation_interval=1, delay_evaluation=3`.
    static func policySettings(_ sweep: SweepSpec?) -> String {
        guard let object = sweep?.earlyTermination?.json.object else { return "" }
        return object.filter { $0.key != "type" }.map { "\($0.key)=\($0.value.jsonText)" }.joined(separator: ", ")
    }
}
