import SweepKit
/// What `job show`, `jobs.get` and `jobs.list` report about a sweep job: the `JobState` replayed
/// from its journal, plus whether an engine is running it. The journal is the only source, so the
/// report after a crash is exactly what was durably recorded.
public struct JobReport: Sendable {
    public let state: JobState
    public let status: JobStatus
    public let reason: String?
    /// The job's folder (sweep.log, trials/, logs/), when known.
    public var directory: String?
    /// Journal lines that were not read (a torn tail, a damaged line) and events that were ignored.
    public var journalProblems: [String]

    public init(state: JobState, engineRunning: Bool, journalDamage: [JournalDamage] = [], directory: String? = nil) {
        self.state = state
        self.directory = directory
        journalProblems = journalDamage.map(\.reason) + state.inconsistencies
        if let outcome = state.outcome {
            status = outcome.status
            reason = outcome.reason
        } else if engineRunning {
            status = .running
            reason = nil
        } else if state.engineStarts > 0 {
            status = .notResponding
            reason = "the engine is not running; resume the job to finish it"
        } else {
            status = .notStarted
            reason = nil
        }
    }

    public var spec: SweepJobSpec? { state.spec }
    public var trials: [JobState.TrialRecord] { state.trials }
    public var best: JobState.TrialRecord? { state.best }
    public var isFinished: Bool { status.isFinished }

    public var json: JSONValue {
        var counts: JSONObject = [:]
        for trialState in [TrialState.running, .completed, .failed, .canceled] {
            counts[trialState.rawValue] = .int(trials.filter { $0.state == trialState }.count)
        }
        var properties: JSONObject = [:]
        if let best {
            properties["best_child_run_id"] = .string(best.runID.isEmpty ? best.name : best.runID)
            properties["best_trial"] = .string(best.name)
            if let value = best.value { properties["score"] = .double(value) }
        }
        var object: JSONObject = [
            "name": .string(spec?.name ?? ""), "type": "sweep", "status": .string(status.rawValue),
            "display_name": .string(spec?.displayName ?? spec?.name ?? ""),
            "experiment_name": .string(spec?.experimentName ?? ""),
            "properties": .object(properties), "trial_counts": .object(counts),
            "trials": .array(trials.map(Self.json)),
        ]
        if let reason { object["reason"] = .string(reason) }
        object["stop_decisions"] = .array(state.decisions.map(\.json))
        if let best { object["best_trial"] = Self.json(best) }
        if let experimentID = state.experimentID { object["experiment_id"] = .string(experimentID) }
        if let parentRunID = state.parentRunID { object["parent_run_id"] = .string(parentRunID) }
        if let created = state.created { object["created"] = .int(Int(created)) }
        if let started = state.started { object["started"] = .int(Int(started)) }
        if let ended = state.ended { object["ended"] = .int(Int(ended)) }
        if let cpu = state.engineCPUSeconds { object["engine_cpu_seconds"] = .double(cpu) }
        if let spec { object["spec"] = spec.json }
        if let directory {
            object["directory"] = .string(directory)
            object["log"] = .string("\(directory)/sweep.log")
        }
        if !journalProblems.isEmpty { object["journal_problems"] = .array(journalProblems.map(JSONValue.string)) }
        return .object(object)
    }

    static func json(_ trial: JobState.TrialRecord) -> JSONValue {
        var object: JSONObject = [
            "name": .string(trial.name), "number": .int(trial.number), "status": .string(trial.state.rawValue),
            "params": .object(trial.params), "flat_params": .object(trial.flatParams),
            "value": trial.value.map(JSONValue.double) ?? .null, "metrics": .object(trial.metrics),
            "attempts": .int(trial.attempts), "started": .int(Int(trial.startedAt)),
        ]
        if let ended = trial.endedAt { object["ended"] = .int(Int(ended)) }
        if let process = trial.process, !process.isLocal {
            object["compute"] = ["kind": .string(process.kind), "id": .string(process.id)]
        }
        if let queue = trial.queueSeconds { object["queue_seconds"] = .double(queue) }
        if let run = trial.runSeconds { object["run_seconds"] = .double(run) }
        if let message = trial.message { object["message"] = .string(message) }
        if !trial.runID.isEmpty { object["run_id"] = .string(trial.runID) }
        if !trial.directory.isEmpty { object["directory"] = .string(trial.directory) }
        if !trial.logDirectory.isEmpty { object["log_directory"] = .string(trial.logDirectory) }
        if let exit = trial.exit { object["exit"] = .string(exit) }
        if !trial.history.isEmpty { object["history"] = .array(trial.history.map(JSONValue.double)) }
        if let decision = trial.stopDecision { object["stop_decision"] = decision.json }
        return .object(object)
    }
}
