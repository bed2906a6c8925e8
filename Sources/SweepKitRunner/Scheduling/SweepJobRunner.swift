#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit
import SweepKitJobs
import SweepKitPlatform

/// Runs a submitted sweep job to its end: the scheduling loop of docs/architecture.md.
///
/// While fewer than `max_concurrent_trials` trials run and the limits allow, it asks the sampler
/// for a trial, creates its MLflow child run, journals it and launches its command. It sleeps until
/// something happens (a child exits, a stop is requested, a metric read or a deadline is due),
/// reads each running trial's primary metric incrementally, lets the policy stop trials, enforces
/// `trial_timeout` and `timeout`, and honours cancel requests. Every state change is journaled
/// before it is acted on, so `resume` (the same entry point on a job whose engine died) finishes
/// the sweep without running a finished trial again (see `SweepJobRunner+Recovery`).
public final class SweepJobRunner {
    public struct Options {
        /// After a crash: relaunch the trials whose process vanished (true) or mark them Failed.
        public var relaunchInterrupted = true
        /// How often a running trial's metrics are read.
        public var metricPollSeconds = 0.5
        /// Between SIGTERM and SIGKILL when a trial is stopped.
        public var terminationGraceSeconds = 5.0
        /// Receives each progress line as it is written to sweep.log (e.g. `--stream`).
        public var progress: ((String) -> Void)?
        public init() {}
    }

    /// Longest sleep between looks at the cancel request file and at adopted trials.
    static let idleWakeSeconds = 0.25

    let paths: JobPaths
    let spec: SweepJobSpec
    let options: Options
    let recorder: JobRecorder
    let store: any TrackingStore
    let launcher: any TrialLauncher
    /// The one-line notice about the job's compute, written when the sweep starts.
    let computeNotice: String?
    let sweep: Sweep
    let setup: TrialSetup
    let log: SweepLog
    var running: [Int: RunningTrial] = [:]
    var relaunchQueue: [Trial] = []
    var experimentID = ""
    var parentRunID = ""
    /// Epoch ms when the first engine started the sweep: the origin of `timeout`.
    var sweepStart: Int64 = 0
    private let lock: EngineLock

    /// Runs (or resumes) job `name` in this process until it ends; returns its final report.
    /// The trials run where the job's compute says (`ComputeChoice`); `launcher` replaces that
    /// choice and `store` the tracking store the job's `tracking_uri` names (tests run the engine
    /// with in-memory ones).
    public static func run(workspace: Workspace, name: String, options: Options = Options(),
                           launcher: (any TrialLauncher)? = nil,
                           store: (any TrackingStore)? = nil) throws(SweepKitError) -> JobReport {
        let paths = workspace.paths(name)
        guard FileSystem.exists(paths.journal) else {
            throw .validation(field: "name", message: "no job named '\(name)' in \(workspace.root)")
        }
        guard let lock = try EngineLock.acquire(paths.lock) else {
            throw .misuse("job '\(name)' is already running (engine pid \(EngineLock.holder(paths.lock) ?? -1))")
        }
        let contents = try JobJournal.read(path: paths.journal)
        let state = JobState(replaying: contents.entries)
        if state.isFinished { return try workspace.report(name) }
        guard let spec = state.spec else { throw .internalFailure("the journal of '\(name)' has no job spec") }
        let runner: SweepJobRunner
        do {
            let compute: ComputeChoice
            if let launcher {
                compute = ComputeChoice(launcher: launcher)
            } else {
                compute = try ComputeChoice.forJob(spec, workspace: workspace, python: TrialSetup.resolvePython(spec))
            }
            runner = try SweepJobRunner(paths: paths, spec: spec, entries: contents.entries, options: options, lock: lock,
                                        compute: compute, store: store)
        } catch {
            // An engine that cannot even start (a plugin that does not load, an unsupported store)
            // ends the job Failed, so nobody waits for it.
            let journal = try JobJournal(path: paths.journal)
            try journal.append(.engineStarted(pid: Int(getpid()), resumed: state.engineStarts > 0))
            try journal.append(.sweepEnded(status: .failed, reason: "the engine could not start: \(error)", engineCPUSeconds: nil))
            throw error
        }
        try runner.execute(replaying: contents.entries)
        return try workspace.report(name)
    }

    private init(paths: JobPaths, spec: SweepJobSpec, entries: [JournalEntry], options: Options, lock: EngineLock,
                 compute: ComputeChoice, store: (any TrackingStore)?) throws(SweepKitError) {
        self.paths = paths
        self.spec = spec
        self.options = options
        self.lock = lock
        launcher = compute.launcher
        computeNotice = compute.notice
        recorder = try JobRecorder(path: paths.journal, entries: entries)
        setup = TrialSetup(spec: spec, paths: paths, trialPaths: compute.trialPaths, python: TrialSetup.resolvePython(spec))
        if let store {
            self.store = store
        } else {
            self.store = try TrackingStores.open(uri: spec.trackingURI, python: setup.python)
        }
        log = SweepLog(path: paths.log, progress: options.progress)
        // The runner enforces timeout and concurrency itself (across restarts); the in-process
        // sweep keeps the sampler, max_total_trials and the best trial.
        var inner = spec.sweep
        inner.limits.timeout = nil
        inner.limits.maxConcurrentTrials = nil
        try EngineAssembly.loadPlugins(spec.plugins)
        sweep = try Sweep(spec: inner)
        sweep.requiresValue = self.store.uri != "none"
    }

    // MARK: - The loop

    private func execute(replaying entries: [JournalEntry]) throws(SweepKitError) {
        SignalWakeup.install()
        let resumed = recorder.state.engineStarts > 0
        try recorder.record(.engineStarted(pid: Int(getpid()), resumed: resumed))
        sweepStart = recorder.state.started ?? Clock.epochMilliseconds()
        if !resumed {
            log.write("sweep \(spec.name) started: \(spec.sweep.samplingAlgorithm.samplerName) sampling, goal \(spec.sweep.goal.rawValue) \(spec.sweep.primaryMetric)")
            for advice in spec.sweep.advice { log.write("warning: \(advice)") }
            if let computeNotice { log.write(computeNotice) }
        } else {
            log.write("sweep \(spec.name) resumed by engine pid \(getpid())")
        }
        do {
            try prepareTracking(resumed: resumed)
            try replaySampler(entries)
            if resumed {
                try removeUnjournaledRuns(entries)
                try recoverUnfinishedTrials()
            }
            try loop()
        } catch {
            stopAll(reason: "the engine failed: \(error)")
            waitForStopped()
            endStoppedTrials(reason: "stopped because the engine failed: \(error)")
            try finish(status: .failed, reason: "\(error)")
            throw error
        }
    }

    private func loop() throws(SweepKitError) {
        let maxConcurrent = min(spec.sweep.limits.maxConcurrentTrials ?? spec.sweep.limits.maxTotalTrials ?? Int.max,
                                launcher.capacity ?? Int.max)
        var exhausted = false
        var cancelReason: String?
        while true {
            if cancelReason == nil, let reason = reasonToStopSweep() {
                cancelReason = reason
                log.write("sweep \(reason): stopping \(running.count) running trial(s)")
                try endQueuedRelaunches(reason: reason)
                stopAll(reason: reason)
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
            // A slot freed by a trial that just ended is filled at once; otherwise sleep until a
            // child exits, a signal arrives or the next deadline.
            if cancelReason == nil, running.count < maxConcurrent, !exhausted || !relaunchQueue.isEmpty { continue }
            SignalWakeup.wait(seconds: secondsUntilNextDeadline())
        }
        JobProcesses.killAll(job: spec.name)  // whatever a trial left behind (setsid, daemons)
        if let cancelReason {
            try finish(status: .canceled, reason: cancelReason)
        } else {
            let trials = sweep.trials
            let allFailed = !trials.isEmpty && trials.allSatisfy { $0.state == .failed }
            try finish(status: allFailed ? .failed : .completed, reason: allFailed ? "every trial failed" : (sweep.finishReason ?? "done"))
        }
    }

    /// Trials waiting for a relaunch (their process vanished while no engine watched, and the
    /// run of that attempt is already closed) end Canceled with the sweep: dropped from the queue
    /// alone, they would stay Running in the journal of a finished job.
    private func endQueuedRelaunches(reason: String) throws(SweepKitError) {
        for trial in relaunchQueue {
            let name = TrialSetup.trialName(job: spec.name, number: trial.number)
            try endTrial(number: trial.number, name: name, runID: nil, outcome: TrialOutcome(state: .canceled, value: nil, message: reason), exit: nil)
        }
        relaunchQueue.removeAll()
    }

    /// Cancel (a signal or the request file) or the sweep's `timeout`.
    private func reasonToStopSweep() -> String? {
        if SignalWakeup.isStopRequested || FileSystem.exists(paths.cancelRequest) { return "canceled by the user" }
        if let timeout = spec.sweep.limits.timeout, Double(Clock.epochMilliseconds() - sweepStart) / 1000 >= timeout {
            return "timeout (\(ParameterExpression.number(timeout).jsonText) s) reached"
        }
        return nil
    }

    private func secondsUntilNextDeadline() -> Double {
        let now = Clock.monotonicSeconds()
        var next = now + Self.idleWakeSeconds
        for trial in running.values {
            next = min(next, trial.nextMetricRead)
            if let killAt = trial.killAt { next = min(next, killAt) }
            if trial.stopReason == nil, let limit = spec.sweep.limits.trialTimeout, let since = trial.runningSince {
                next = min(next, since + limit)
            }
        }
        if !running.isEmpty, let interval = launcher.pollIntervalSeconds { next = min(next, now + interval) }
        if let timeout = spec.sweep.limits.timeout {
            let elapsed = Double(Clock.epochMilliseconds() - sweepStart) / 1000
            next = min(next, now + max(0, timeout - elapsed))
        }
        return max(0, next - now)
    }

    // MARK: - Trials

    func launch(_ trial: Trial) throws(SweepKitError) {
        let attempt = (recorder.state.trials.count > trial.number ? recorder.state.trials[trial.number].attempts : 0) + 1
        let name = TrialSetup.trialName(job: spec.name, number: trial.number)
        let folders = setup.folders(name: name, attempt: attempt)
        try setup.createFolders(folders)
        let flat = trial.flatParams
        let runID = try store.createRun(
            experimentID: experimentID, name: name, parentRunID: parentRunID,
            tags: [("sweepkit.job", spec.name), ("sweepkit.trial", name), ("sweepkit.attempt", String(attempt))],
            params: flat.map { ($0.key, CommandTemplate.format($0.value) ?? "") })
        try recorder.record(.trialStarted(TrialStart(
            number: trial.number, name: name, attempt: attempt, params: trial.params, flatParams: flat, runID: runID,
            directory: folders.directory, logDirectory: folders.logDirectory)))
        let launched: LaunchedTrial
        do {
            let variables = setup.variables(for: trial, name: name, runID: runID, experimentID: experimentID, trackingURI: store.uri)
            launched = try launcher.launch(TrialLaunchRequest(
                command: try setup.command(for: trial), workingDirectory: folders.directory,
                environment: try setup.environment(variables: variables),
                stdoutPath: "\(folders.logDirectory)/stdout.txt", stderrPath: "\(folders.logDirectory)/stderr.txt",
                exitStatusPath: folders.exitStatus, name: folders.attemptName, trialVariables: variables,
                resources: spec.resources, timeoutSeconds: spec.sweep.limits.trialTimeout))
        } catch {
            try endTrial(number: trial.number, name: name, runID: runID,
                         outcome: TrialOutcome(state: .failed, value: nil, message: "could not start: \(error)"), exit: nil)
            return
        }
        try recorder.record(.trialLaunched(number: trial.number, process: launched))
        let now = Clock.monotonicSeconds()
        running[trial.number] = RunningTrial(number: trial.number, name: name, runID: runID, launched: launched, folders: folders,
                                             startedAt: now, runningSince: launched.isLocal ? now : nil, adopted: false,
                                             nextMetricRead: now + options.metricPollSeconds)
        let action = launched.isLocal ? "started" : "submitted to \(launched.kind) as \(launched.id)"
        log.write("\(name) \(action): \(flat.map { "\($0.key)=\(CommandTemplate.format($0.value) ?? "")" }.joined(separator: " "))")
    }

    private func superviseRunning() throws(SweepKitError) {
        let now = Clock.monotonicSeconds()
        for number in running.keys.sorted() {
            guard var trial = running[number] else { continue }
            let poll = launcher.poll(trial.launched, exitStatusPath: trial.folders.exitStatus)
            if poll != .queued, poll != .vanished, trial.runningSince == nil {
                // Out of the cluster's queue (or through it between two polls): run time starts.
                trial.runningSince = now
                try recorder.record(.trialRunning(number: number))
                let queued = recorder.state.trials[number].queueSeconds.map { " after \(Self.seconds($0)) in the queue" } ?? ""
                log.write("\(trial.name) running on \(trial.launched.kind) (\(trial.launched.id))\(queued)")
            }
            switch poll {
            case .ended(let exit):
                running[number] = nil
                try readMetrics(&trial, afterExit: true)
                try conclude(trial, exit: exit)
                continue
            case .vanished:
                running[number] = nil
                try readMetrics(&trial, afterExit: true)
                try handleVanished(trial)
                continue
            case .running, .queued:
                break
            }
            if trial.stopReason == nil, let limit = spec.sweep.limits.trialTimeout, let since = trial.runningSince, now - since >= limit {
                stop(&trial, reason: "trial_timeout (\(ParameterExpression.number(limit).jsonText) s) reached")
            }
            if let killAt = trial.killAt, now >= killAt {
                launcher.signal(trial.launched, SIGKILL)
                trial.killAt = nil
            }
            if now >= trial.nextMetricRead {
                try readMetrics(&trial)
                TrialOutputCap.enforce(logDirectory: trial.folders.logDirectory)
                trial.nextMetricRead = now + options.metricPollSeconds
            }
            running[number] = trial
        }
    }

    /// Reads the trial's new metric points; each finite one is an interval for the policy. After
    /// the trial's process ended on its own, the points it logged last are recorded in its curve
    /// without a decision: a trial that finished before the engine read its end is not stopped.
    func readMetrics(_ trial: inout RunningTrial, afterExit: Bool = false) throws(SweepKitError) {
        // While the trial runs, a store that is briefly away (a tracking server restarting) gives
        // nil and a later read catches up; after its exit, every point must be read.
        guard let points = afterExit
            ? try store.newMetricPoints(runID: trial.runID, key: spec.sweep.primaryMetric, cursor: &trial.cursor)
            : try store.pollMetricPoints(runID: trial.runID, key: spec.sweep.primaryMetric, cursor: &trial.cursor)
        else { return }
        trial.history += points
        guard trial.stopReason == nil else { return }
        if afterExit {
            sweep.restore(curve: trial.number, values: sweep.curve(trial.number) + points.map(\.value).filter(\.isFinite), decision: nil)
            return
        }
        for point in points where point.value.isFinite {
            guard let decision = try sweep.report(trial.number, value: point.value) else { continue }
            try recorder.record(.trialStopping(number: trial.number, decision: decision))
            stop(&trial, reason: decision.reason, interval: decision.interval)
            break
        }
    }

    func stop(_ trial: inout RunningTrial, reason: String, interval: Int? = nil) {
        trial.stopReason = reason
        trial.stopInterval = interval
        launcher.signal(trial.launched, SIGTERM)
        trial.killAt = Clock.monotonicSeconds() + options.terminationGraceSeconds
        log.write("\(trial.name) stopping: \(reason)")
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
        var alive = Set(running.keys)
        while !alive.isEmpty, Clock.monotonicSeconds() < deadline {
            alive = alive.filter { number in
                guard let trial = running[number] else { return false }
                switch launcher.poll(trial.launched, exitStatusPath: trial.folders.exitStatus) {
                case .running, .queued: return true
                case .ended, .vanished: return false
                }
            }
            if !alive.isEmpty { SignalWakeup.wait(seconds: 0.05) }
        }
        for number in alive { running[number].map { launcher.signal($0.launched, SIGKILL) } }
    }

    /// After an engine failure: the trials it stopped end Canceled in the journal (and in MLflow if
    /// the store still answers), so the report never shows a trial Running in a finished sweep.
    private func endStoppedTrials(reason: String) {
        for number in running.keys.sorted() {
            guard let trial = running.removeValue(forKey: number) else { continue }
            try? store.finishRun(runID: trial.runID, status: .killed, tags: [("sweepkit.message", reason)])
            try? sweep.tell(number, value: nil, state: .canceled, message: reason)
            try? recorder.record(.trialEnded(TrialEnd(number: number, state: .canceled, value: nil, message: reason, exit: nil)))
        }
    }

    func conclude(_ trial: RunningTrial, exit: ProcessExit) throws(SweepKitError) {
        TrialOutputCap.enforce(logDirectory: trial.folders.logDirectory)
        let outcome = TrialOutcome.decide(
            trial, exit: exit, goal: spec.sweep.goal, primaryMetric: spec.sweep.primaryMetric, requiresValue: sweep.requiresValue,
            loggedKeys: { (try? store.metricKeys(runID: trial.runID)) ?? [] })
        try endTrial(number: trial.number, name: trial.name, runID: trial.runID, outcome: outcome, exit: exit.description,
                     metrics: TrialOutcome.metrics(trial, primaryMetric: spec.sweep.primaryMetric))
    }

    func endTrial(number: Int, name: String, runID: String?, outcome: TrialOutcome, exit: String?,
                  metrics: JSONObject = JSONObject()) throws(SweepKitError) {
        if let runID, !runID.isEmpty {
            let status: RunStatus = outcome.state == .completed ? .finished : outcome.state == .failed ? .failed : .killed
            var tags = [("sweepkit.state", outcome.state.rawValue)]
            if let message = outcome.message { tags.append(("sweepkit.message", message)) }
            try store.finishRun(runID: runID, status: status, tags: tags)
        }
        // The curve the policy saw goes into the journal, so a resumed engine's policy sees it too.
        let history = sweep.curve(number)
        let previousBest = recorder.state.bestNumber
        try sweep.tell(number, value: outcome.value, state: outcome.state, message: outcome.message)
        try recorder.record(.trialEnded(TrialEnd(number: number, state: outcome.state, value: outcome.value, message: outcome.message,
                                                 exit: exit, metrics: metrics, history: history)))
        let best = recorder.state.bestNumber
        if let best, best == number, best != previousBest, let value = outcome.value, !parentRunID.isEmpty {
            // The parent run shows the best value so far (step: trials ended).
            try store.logMetric(runID: parentRunID, key: spec.sweep.primaryMetric, value: value,
                                step: recorder.state.trials.filter { $0.state != .running }.count)
        }
        var line = "\(name) \(outcome.state.rawValue)"
        if let value = outcome.value { line += ": \(spec.sweep.primaryMetric)=\(CommandTemplate.pythonRepr(value))" }
        if let best, best == number, best != previousBest { line += " (best so far)" }
        if let message = outcome.message { line += " — \(message)" }
        log.write(line)
    }

    static func seconds(_ value: Double) -> String {
        value < 10 ? "\((value * 10).rounded() / 10) s" : "\(Int(value.rounded())) s"
    }

    private func finish(status: JobStatus, reason: String) throws(SweepKitError) {
        let best = recorder.state.best
        if !parentRunID.isEmpty {
            var tags = [("sweepkit.status", status.rawValue), ("sweepkit.reason", reason)]
            if let best, !best.runID.isEmpty {
                tags.append(("best_child_run_id", best.runID))
                // ...and the best trial's params, under their own names (MLflow params never change: logged once, at the end).
                try? store.logParams(runID: parentRunID, params: best.flatParams.map { ($0.key, CommandTemplate.format($0.value) ?? "") })
            }
            try? store.finishRun(runID: parentRunID, status: status == .completed ? .finished : status == .failed ? .failed : .killed,
                                 tags: tags)
        }
        try recorder.record(.sweepEnded(status: status, reason: reason, engineCPUSeconds: ProcessTable.cpuSecondsOfThisProcess()))
        let counts = Dictionary(grouping: recorder.state.trials, by: \.state).mapValues(\.count)
        log.write("sweep \(spec.name) \(status.rawValue): \(reason). Trials: \(counts[.completed] ?? 0) completed, \(counts[.failed] ?? 0) failed, \(counts[.canceled] ?? 0) canceled.")
        if let best, let value = best.value {
            log.write("best trial: \(best.name) with \(spec.sweep.primaryMetric)=\(CommandTemplate.pythonRepr(value)) \(JSONValue.object(best.params).jsonText)")
        }
        let remote = recorder.state.trials.filter { $0.process.map { !$0.isLocal } ?? false }
        let queue = remote.compactMap(\.queueSeconds), run = remote.compactMap(\.runSeconds)
        if !queue.isEmpty, !run.isEmpty {
            log.write("time on \(remote[0].process?.kind ?? "the cluster"): in the queue \(Self.seconds(queue.reduce(0, +) / Double(queue.count))) per trial on average (at most \(Self.seconds(queue.max() ?? 0))), running \(Self.seconds(run.reduce(0, +) / Double(run.count)))")
        }
        unlink(paths.cancelRequest)
    }

}
