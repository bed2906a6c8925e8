#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Runs a submitted sweep job to its end: the scheduling loop of DESIGN.md "How a sweep runs".
///
/// While fewer than `max_concurrent_trials` trials run and the limits allow, it asks the sampler
/// for a trial, creates its MLflow child run, journals it and launches its command. It reaps
/// trials as they exit, reads their primary metric incrementally while they run, enforces
/// `trial_timeout` and `timeout`, and honours cancel requests. Every state change is journaled
/// before it is acted on, so `resume` (the same entry point on a job whose engine died) finishes
/// the sweep without running a finished trial again.
public final class SweepJobRunner {
    public struct Options {
        /// After a crash: relaunch the trials that were running (true) or mark them Failed.
        public var relaunchInterrupted = true
        /// How often a running trial's metrics are read.
        public var metricPollSeconds = 0.5
        /// Between SIGTERM and SIGKILL when a trial is stopped.
        public var terminationGraceSeconds = 5.0
        /// Receives each progress line as it is written to sweep.log (e.g. `--stream`).
        public var progress: ((String) -> Void)?
        public init() {}
    }

    /// Set by SIGTERM/SIGINT/SIGHUP in the engine process: cancel the sweep.
    static let cancelSignal = Atomic<Bool>(false)

    /// Makes SIGTERM, SIGINT and SIGHUP cancel the sweep (for the engine process).
    public static func installSignalHandlers() {
        for number in [SIGTERM, SIGINT, SIGHUP] {
            signal(number) { _ in SweepJobRunner.cancelSignal.store(true, ordering: .relaxed) }
        }
        signal(SIGPIPE, SIG_IGN)
    }

    struct RunningTrial {
        let number: Int
        let name: String
        let runID: String
        let launched: LaunchedTrial
        let logDirectory: String
        let startedAt: Double
        var cursor = 0
        var history: [MetricPoint] = []
        var nextMetricRead: Double
        var stopReason: String?
        var killAt: Double?
    }

    let workspace: Workspace
    let paths: JobPaths
    let spec: SweepJobSpec
    let options: Options
    let journal: SweepJournal
    let store: any TrackingStore
    let launcher: any TrialLauncher
    let sweep: Sweep
    let trialPython: String
    private let lock: EngineLock
    private var running: [Int: RunningTrial] = [:]
    private var relaunchQueue: [Trial] = []
    private var experimentID = ""
    private var parentRunID = ""
    private var attempts: [Int: Int] = [:]
    private var sweepStartMilliseconds: Int64 = 0
    private var logFD: Int32 = -1
    private var pendingHistory: [Double] = []

    /// Runs (or resumes) job `name` in this process until it ends; returns its final report.
    public static func run(workspace: Workspace, name: String, options: Options = Options(),
                           launcher: any TrialLauncher = LocalProcessLauncher()) throws(SweepKitError) -> JobReport {
        let paths = workspace.paths(name)
        guard FileSystem.exists(paths.journal) else {
            throw .validation(field: "name", message: "no job named '\(name)' in \(workspace.root)")
        }
        guard let lock = try EngineLock.acquire(paths.lock) else {
            throw .misuse("job '\(name)' is already running (engine pid \(EngineLock.holder(paths.lock) ?? -1))")
        }
        let events = try SweepJournal.read(path: paths.journal)
        let report = JobReport(events: events, engineRunning: false)
        if report.isFinished { return report }
        guard let spec = report.spec else { throw .internalFailure("the journal of '\(name)' has no job spec") }
        let runner = try SweepJobRunner(workspace: workspace, paths: paths, spec: spec, options: options, lock: lock, launcher: launcher)
        try runner.execute(replaying: events)
        return try workspace.report(name)
    }

    private init(workspace: Workspace, paths: JobPaths, spec: SweepJobSpec, options: Options, lock: EngineLock,
                 launcher: any TrialLauncher) throws(SweepKitError) {
        self.workspace = workspace
        self.paths = paths
        self.spec = spec
        self.options = options
        self.lock = lock
        self.launcher = launcher
        journal = try SweepJournal(path: paths.journal)
        trialPython = Self.resolvePython(spec)
        store = try TrackingStores.open(uri: spec.trackingURI, python: trialPython)
        // The runner enforces timeout and concurrency itself (across restarts); the in-process
        // sweep keeps the sampler, max_total_trials and the best trial.
        var inner = spec.sweep
        inner.limits.timeout = nil
        inner.limits.maxConcurrentTrials = nil
        sweep = try Sweep(spec: inner)
        sweep.requiresValue = spec.trackingURI != "none"
        logFD = open(paths.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    }

    deinit { if logFD >= 0 { close(logFD) } }

    /// `environment` may name an interpreter or a virtualenv; otherwise `python` is the interpreter
    /// that submitted the sweep (Azure environment names are accepted and ignored).
    static func resolvePython(_ spec: SweepJobSpec) -> String {
        if let environment = spec.trial.environment {
            let path = FileSystem.absolute(environment)
            if FileSystem.isDirectory(path), FileSystem.exists("\(path)/bin/python") { return "\(path)/bin/python" }
            if !FileSystem.isDirectory(path), access(path, X_OK) == 0 { return path }
        }
        return spec.python ?? ProcessEnvironment.value("SWEEPKIT_PYTHON") ?? "python3"
    }

    // MARK: - The loop

    private func execute(replaying events: [JSONObject]) throws(SweepKitError) {
        let resumed = events.contains { $0["event"]?.string == "engine_started" }
        try journal.append(["event": "engine_started", "pid": .int(Int(getpid())), "resumed": .bool(resumed)])
        sweepStartMilliseconds = events.first { $0["event"]?.string == "engine_started" }
            .flatMap { if case .int(let t)? = $0["time"] { return Int64(t) } else { return nil } } ?? Clock.epochMilliseconds()
        if !resumed {
            log("sweep \(spec.name) started: \(spec.sweep.samplingAlgorithm.samplerName) sampling, goal \(spec.sweep.goal.rawValue) \(spec.sweep.primaryMetric)")
            for advice in spec.sweep.advice { log("warning: \(advice)") }
            if let compute = spec.compute, !["local", ""].contains(compute.lowercased()) {
                log("note: compute '\(compute)' is not configured here; the trials run as local processes (set compute=\"local\" to silence this)")
            }
        } else {
            log("sweep \(spec.name) resumed by engine pid \(getpid())")
        }
        do {
            try prepareTracking(events)
            try replay(events)
            try loop()
        } catch {
            stopAll(reason: "the engine failed: \(error)")
            waitForStopped()
            try finish(status: "Failed", reason: "\(error)")
            throw error
        }
    }

    private func prepareTracking(_ events: [JSONObject]) throws(SweepKitError) {
        try store.prepare()
        if let tracking = events.last(where: { $0["event"]?.string == "tracking" }),
            let experiment = tracking["experiment_id"]?.string, let parent = tracking["parent_run_id"]?.string
        {
            experimentID = experiment
            parentRunID = parent
            return
        }
        experimentID = try store.experimentID(named: spec.experimentName)
        parentRunID = try store.createRun(
            experimentID: experimentID, name: spec.displayName ?? spec.name, parentRunID: nil,
            tags: [("sweepkit.job", spec.name), ("sweepkit.type", "sweep")],
            params: [("sampling_algorithm", spec.sweep.samplingAlgorithm.json.jsonText),
                     ("primary_metric", spec.sweep.primaryMetric), ("goal", spec.sweep.goal.rawValue)])
        try journal.append(["event": "tracking", "experiment_id": .string(experimentID), "parent_run_id": .string(parentRunID)])
    }

    /// Brings the sampler to where the journal says the sweep was, then deals with the trials that
    /// were running when the previous engine stopped.
    private func replay(_ events: [JSONObject]) throws(SweepKitError) {
        var interrupted: [Int: JSONObject] = [:]
        for event in events {
            guard case .int(let number)? = event["number"] else { continue }
            switch event["event"]?.string {
            case "trial_started":
                attempts[number, default: 0] += 1
                if attempts[number] == 1 {
                    guard let trial = try sweep.ask(), trial.number == number,
                        JSONValue.object(trial.params) == event["params"]
                    else {
                        throw .internalFailure("the journal and the sampler disagree about trial \(number); the job cannot be resumed")
                    }
                }
                interrupted[number] = event
            case "trial_stop":
                sweep.restore(curve: number, values: sweep.curve(number), decision: TerminationDecision(json: event["decision"]))
            case "trial_ended":
                interrupted[number] = nil
                let state = event["state"]?.string.flatMap(TrialState.init(name:)) ?? .failed
                let history = (event["history"]?.array ?? []).compactMap(\.number)
                sweep.restore(curve: number, values: history, decision: nil)
                try sweep.tell(number, value: event["value"]?.number, state: state, message: event["message"]?.string)
            default:
                break
            }
        }
        guard !interrupted.isEmpty else { return }
        OrphanTrials.kill(job: spec.name)
        for (number, event) in interrupted.sorted(by: { $0.key < $1.key }) {
            if let runID = event["run_id"]?.string, !runID.isEmpty {
                try? store.finishRun(runID: runID, status: .killed, tags: [("sweepkit.message", "the engine stopped while this attempt ran")])
            }
            if let decision = sweep.decisions.first(where: { $0.trial == number }) {
                // It was already being stopped by the policy: finish that, do not run it again.
                try endTrial(number: number, name: event["name"]?.string ?? "", runID: nil, state: .canceled, value: nil,
                             message: decision.reason, exit: nil, metrics: JSONObject())
            } else if options.relaunchInterrupted, let trial = sweep.trial(number) {
                log("\(event["name"]?.string ?? "") was running when the engine stopped: relaunching it")
                relaunchQueue.append(trial)
            } else {
                try endTrial(number: number, name: event["name"]?.string ?? "", runID: nil, state: .failed, value: nil,
                             message: "the engine stopped while the trial ran", exit: nil, metrics: JSONObject())
            }
        }
    }

    private func loop() throws(SweepKitError) {
        let maxConcurrent = spec.sweep.limits.maxConcurrentTrials ?? spec.sweep.limits.maxTotalTrials ?? Int.max
        var exhausted = false
        var cancelReason: String?
        while true {
            if cancelReason == nil {
                if Self.cancelSignal.load(ordering: .relaxed) || FileSystem.exists(paths.cancelRequest) {
                    cancelReason = "canceled by the user"
                } else if let timeout = spec.sweep.limits.timeout,
                    Double(Clock.epochMilliseconds() - sweepStartMilliseconds) / 1000 >= timeout
                {
                    cancelReason = "timeout (\(ParameterExpression.number(timeout).jsonText) s) reached"
                }
                if let cancelReason {
                    log("sweep \(cancelReason): stopping \(running.count) running trial(s)")
                    relaunchQueue.removeAll()
                    stopAll(reason: cancelReason)
                }
            }
            while cancelReason == nil, running.count < maxConcurrent {
                if !relaunchQueue.isEmpty {
                    try launch(relaunchQueue.removeFirst())
                    continue
                }
                if exhausted { break }
                guard let trial = try sweep.ask() else {
                    exhausted = true
                    break
                }
                try launch(trial)
            }
            try superviseRunning()
            if running.isEmpty && (exhausted || cancelReason != nil) && relaunchQueue.isEmpty { break }
            Clock.sleep(seconds: running.isEmpty ? 0.001 : 0.002)
        }
        if let cancelReason {
            try finish(status: "Canceled", reason: cancelReason)
        } else {
            let trials = sweep.trials
            let allFailed = !trials.isEmpty && trials.allSatisfy { $0.state == .failed }
            try finish(status: allFailed ? "Failed" : "Completed",
                       reason: allFailed ? "every trial failed" : (sweep.finishReason ?? "done"))
        }
    }

    // MARK: - Trials

    private func launch(_ trial: Trial) throws(SweepKitError) {
        let attempt = attempts[trial.number, default: 0] + 1
        attempts[trial.number] = attempt
        let name = "\(spec.name)_\(trial.number)"
        let folder = attempt == 1 ? name : "\(name)-attempt\(attempt)"
        let directory = "\(paths.trials)/\(folder)"
        let logDirectory = "\(paths.logs)/\(folder)"
        if let code = spec.trial.code {
            try FileSystem.copyTree(from: code, to: directory)
        }
        try FileSystem.createDirectory("\(directory)/outputs")
        try FileSystem.createDirectory(logDirectory)
        let flat = trial.flatParams
        let runID = try store.createRun(
            experimentID: experimentID, name: name, parentRunID: parentRunID,
            tags: [("sweepkit.job", spec.name), ("sweepkit.trial", name), ("sweepkit.attempt", String(attempt))],
            params: flat.map { ($0.key, CommandTemplate.format($0.value) ?? "") })
        try journal.append([
            "event": "trial_started", "number": .int(trial.number), "name": .string(name), "attempt": .int(attempt),
            "params": .object(trial.params), "flat_params": .object(flat), "run_id": .string(runID),
            "directory": .string(directory), "log_directory": .string(logDirectory),
        ])
        let launched: LaunchedTrial
        do {
            launched = try launcher.launch(TrialLaunchRequest(
                command: renderCommand(trial), workingDirectory: directory, environment: try environment(for: trial, name: name, runID: runID),
                stdoutPath: "\(logDirectory)/stdout.txt", stderrPath: "\(logDirectory)/stderr.txt"))
        } catch {
            try endTrial(number: trial.number, name: name, runID: runID, state: .failed, value: nil,
                         message: "could not start: \(error)", exit: nil, metrics: JSONObject())
            return
        }
        try journal.append(["event": "trial_launched", "number": .int(trial.number), "process": launched.json])
        let now = Clock.monotonicSeconds()
        running[trial.number] = RunningTrial(number: trial.number, name: name, runID: runID, launched: launched,
                                             logDirectory: logDirectory, startedAt: now, nextMetricRead: now + options.metricPollSeconds)
        log("\(name) started: \(flat.map { "\($0.key)=\(CommandTemplate.format($0.value) ?? "")" }.joined(separator: " "))")
    }

    func renderCommand(_ trial: Trial) -> String {
        let flat = trial.flatParams
        return CommandTemplate.render(spec.trial.command) { placeholder in
            let value: JSONValue?
            switch placeholder.namespace {
            case "search_space":
                value = trial.params[placeholder.key] ?? flat[placeholder.key]
            case "inputs":
                if let swept = trial.params[placeholder.key] {
                    value = swept
                } else if case .object(let data)? = spec.inputs[placeholder.key] {
                    value = data["path"]
                } else {
                    value = spec.inputs[placeholder.key]
                }
            case "outputs":
                value = .string("outputs/\(placeholder.key)")
            default:
                value = nil
            }
            return value.flatMap(CommandTemplate.format).map(CommandTemplate.shellQuoted)
        }
    }

    private func environment(for trial: Trial, name: String, runID: String) throws(SweepKitError) -> [(key: String, value: String)] {
        try FileSystem.createDirectory(paths.bin)
        // Shims, not symlinks: a virtualenv's interpreter finds its pyvenv.cfg from the path it
        // was started by, so it must be exec'ed by its own path.
        for alias in ["python", "python3"] where !FileSystem.exists("\(paths.bin)/\(alias)") {
            let shim = "\(paths.bin)/\(alias)"
            try FileSystem.writeAtomically(shim, "#!/bin/sh\nexec \(CommandTemplate.shellQuoted(trialPython)) \"$@\"\n")
            chmod(shim, 0o755)
        }
        var overrides: [(String, String)] = [
            ("SWEEPKIT_JOB", spec.name), ("SWEEPKIT_TRIAL", name), ("SWEEPKIT_TRIAL_NUMBER", String(trial.number)),
            ("PYTHONUNBUFFERED", "1"),
        ]
        if store.uri != "none" {
            overrides += [("MLFLOW_TRACKING_URI", store.uri), ("MLFLOW_RUN_ID", runID), ("MLFLOW_EXPERIMENT_ID", experimentID)]
        }
        for (key, value) in trial.flatParams {
            overrides.append(("AZUREML_SWEEP_\(key.split(separator: ".").joined(separator: "_"))", CommandTemplate.format(value) ?? ""))
        }
        overrides += spec.trial.environmentVariables.map { ($0.key, $0.value) }
        let replaced = Set(overrides.map(\.0) + ["PATH", "MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID"])
        var variables = ProcessEnvironment.current().filter { !replaced.contains($0.key) }
        let path = ProcessEnvironment.value("PATH") ?? "/usr/local/bin:/usr/bin:/bin"
        variables.append(("PATH", "\(paths.bin):\(path)"))
        variables += overrides.map { (key: $0.0, value: $0.1) }
        return variables
    }

    private func superviseRunning() throws(SweepKitError) {
        let now = Clock.monotonicSeconds()
        for number in running.keys.sorted() {
            guard var trial = running[number] else { continue }
            if let exit = launcher.poll(trial.launched) {
                running[number] = nil
                try readMetrics(&trial)
                try conclude(trial, exit: exit)
                continue
            }
            if trial.stopReason == nil, let limit = spec.sweep.limits.trialTimeout, now - trial.startedAt >= limit {
                stop(&trial, reason: "trial_timeout (\(ParameterExpression.number(limit).jsonText) s) reached")
            }
            if let killAt = trial.killAt, now >= killAt {
                launcher.signal(trial.launched, SIGKILL)
                trial.killAt = nil
            }
            if now >= trial.nextMetricRead {
                try readMetrics(&trial)
                trial.nextMetricRead = now + options.metricPollSeconds
            }
            running[number] = trial
        }
    }

    /// Reads the trial's new metric points; each finite one is an interval for the policy.
    private func readMetrics(_ trial: inout RunningTrial) throws(SweepKitError) {
        let points = try store.newMetricPoints(runID: trial.runID, key: spec.sweep.primaryMetric, cursor: &trial.cursor)
        trial.history += points
        guard trial.stopReason == nil else { return }
        for point in points where point.value.isFinite {
            guard let decision = try sweep.report(trial.number, value: point.value) else { continue }
            try journal.append(["event": "trial_stop", "number": .int(trial.number), "decision": decision.json])
            stop(&trial, reason: decision.reason)
            break
        }
    }

    private func stop(_ trial: inout RunningTrial, reason: String) {
        trial.stopReason = reason
        launcher.signal(trial.launched, SIGTERM)
        trial.killAt = Clock.monotonicSeconds() + options.terminationGraceSeconds
        log("\(trial.name) stopping: \(reason)")
    }

    private func stopAll(reason: String) {
        for number in running.keys {
            guard var trial = running[number], trial.stopReason == nil else { continue }
            stop(&trial, reason: reason)
            running[number] = trial
        }
    }

    /// After an engine failure: give the stopped trials their grace period, then kill them.
    private func waitForStopped() {
        let deadline = Clock.monotonicSeconds() + options.terminationGraceSeconds + 1
        while !running.isEmpty, Clock.monotonicSeconds() < deadline {
            for (number, trial) in running where launcher.poll(trial.launched) != nil { running[number] = nil }
            Clock.sleep(seconds: 0.01)
        }
        for trial in running.values { launcher.signal(trial.launched, SIGKILL) }
    }

    private func conclude(_ trial: RunningTrial, exit: TrialExit) throws(SweepKitError) {
        pendingHistory = sweep.curve(trial.number)
        let metric = spec.sweep.primaryMetric
        let values = trial.history.map(\.value).filter(\.isFinite)
        let best = values.isEmpty ? nil : values.reduce(values[0]) { spec.sweep.goal.isBetter($1, than: $0) ? $1 : $0 }
        var metrics: JSONObject = [:]
        if let last = trial.history.last { metrics[metric] = last.value.isFinite ? .double(last.value) : .null }
        metrics["\(metric).points"] = .int(trial.history.count)
        let state: TrialState
        var message: String?
        if let reason = trial.stopReason {
            state = .canceled
            message = reason
        } else if !exit.succeeded {
            state = .failed
            message = "the command \(exit.description)" + stderrTail(trial)
        } else if store.uri == "none" {
            state = .completed
        } else if let _ = best {
            state = .completed
        } else {
            state = .failed
            let logged = (try? store.metricKeys(runID: trial.runID)) ?? []
            message = trial.history.isEmpty
                ? "the command exited 0 but never logged the primary metric '\(metric)'; "
                    + (logged.isEmpty ? "it logged no metrics" : "it logged: \(logged.joined(separator: ", "))")
                : "the primary metric '\(metric)' was never finite (NaN or infinite)"
        }
        try endTrial(number: trial.number, name: trial.name, runID: trial.runID, state: state,
                     value: state == .failed ? nil : best, message: message, exit: exit.description, metrics: metrics)
    }

    private func stderrTail(_ trial: RunningTrial) -> String {
        guard let text = try? FileSystem.read("\(trial.logDirectory)/stderr.txt") else { return "" }
        let lines = text.split(separator: "\n").suffix(3)
        return lines.isEmpty ? "" : "; stderr ends with: " + lines.joined(separator: " | ")
    }

    private func endTrial(number: Int, name: String, runID: String?, state: TrialState, value: Double?, message: String?,
                          exit: String?, metrics: JSONObject) throws(SweepKitError) {
        if let runID, !runID.isEmpty {
            let status: RunStatus = state == .completed ? .finished : state == .failed ? .failed : .killed
            var tags = [("sweepkit.state", state.rawValue)]
            if let message { tags.append(("sweepkit.message", message)) }
            try store.finishRun(runID: runID, status: status, tags: tags)
        }
        let previousBest = sweep.best?.number
        try sweep.tell(number, value: value, state: state, message: message)
        var event: JSONObject = ["event": "trial_ended", "number": .int(number), "state": .string(state.rawValue),
                                 "value": value.map(JSONValue.double) ?? .null, "metrics": .object(metrics)]
        if let message { event["message"] = .string(message) }
        if let exit { event["exit"] = .string(exit) }
        // The curve the policy saw, so a resumed engine's policy sees it too.
        event["history"] = .array(pendingHistory.map(JSONValue.double))
        pendingHistory = []
        try journal.append(event)
        let best = sweep.best?.number
        if let best, best != previousBest {
            try journal.append(["event": "best", "number": .int(best)])
        }
        var line = "\(name) \(state.rawValue)"
        if let value { line += ": \(spec.sweep.primaryMetric)=\(CommandTemplate.pythonRepr(value))" }
        if let best, best == number { line += " (best so far)" }
        if let message { line += " — \(message)" }
        log(line)
    }

    private func finish(status: String, reason: String) throws(SweepKitError) {
        let best = sweep.best
        if !parentRunID.isEmpty {
            var tags = [("sweepkit.status", status), ("sweepkit.reason", reason)]
            if let best, let run = try? workspace.report(spec.name).trials[best.number].runID {
                tags.append(("best_child_run_id", run))
            }
            try? store.finishRun(runID: parentRunID, status: status == "Completed" ? .finished : status == "Failed" ? .failed : .killed, tags: tags)
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        try journal.append(["event": "sweep_ended", "status": .string(status), "reason": .string(reason),
                            "engine_cpu_seconds": .double(cpu)])
        let counts = Dictionary(grouping: sweep.trials, by: \.state).mapValues(\.count)
        log("sweep \(spec.name) \(status): \(reason). Trials: \(counts[.completed] ?? 0) completed, \(counts[.failed] ?? 0) failed, \(counts[.canceled] ?? 0) canceled.")
        if let best, let value = best.value {
            log("best trial: \(spec.name)_\(best.number) with \(spec.sweep.primaryMetric)=\(CommandTemplate.pythonRepr(value)) \(JSONValue.object(best.params).jsonText)")
        }
        unlink(paths.cancelRequest)
    }

    private func log(_ message: String) {
        let line = "[\(Self.timestamp())] \(message)\n"
        if logFD >= 0 { try? FileSystem.writeAll(logFD, line, path: paths.log) }
        options.progress?(line)
    }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        strftime(&buffer, 32, "%Y-%m-%d %H:%M:%S", &parts)
        return String(nulTerminated: buffer)
    }
}
