/// A sweep job's state, rebuilt from its journal: what `job show`, `jobs.get` and `jobs.list`
/// report. The journal is the only source, so the report after a crash is exactly what was
/// durably recorded.
public struct JobReport: Sendable {
    public struct TrialRecord: Sendable {
        public let number: Int
        public let name: String
        public var state: TrialState
        public var params: JSONObject
        public var flatParams: JSONObject
        public var value: Double?
        public var message: String?
        public var runID: String?
        public var directory: String?
        public var logDirectory: String?
        public var exit: String?
        public var metrics: JSONObject
        public var history: [Double] = []
        public var stopDecision: TerminationDecision?

        var json: JSONValue {
            var object: JSONObject = [
                "name": .string(name), "number": .int(number), "status": .string(state.rawValue),
                "params": .object(params), "flat_params": .object(flatParams),
                "value": value.map(JSONValue.double) ?? .null, "metrics": .object(metrics),
            ]
            if let message { object["message"] = .string(message) }
            if let runID { object["run_id"] = .string(runID) }
            if let directory { object["directory"] = .string(directory) }
            if let logDirectory { object["log_directory"] = .string(logDirectory) }
            if let exit { object["exit"] = .string(exit) }
            if !history.isEmpty { object["history"] = .array(history.map(JSONValue.double)) }
            if let stopDecision { object["stop_decision"] = stopDecision.json }
            return .object(object)
        }
    }

    public let spec: SweepJobSpec?
    /// The job's folder (sweep.log, trials/, logs/), when known.
    public var directory: String?
    public private(set) var status = "NotStarted"
    public private(set) var reason: String?
    public private(set) var trials: [TrialRecord] = []
    public private(set) var bestNumber: Int?
    /// Every early-termination decision, in order (also on each stopped trial).
    public private(set) var decisions: [TerminationDecision] = []
    public private(set) var experimentID: String?
    public private(set) var parentRunID: String?
    public private(set) var created: Int?
    public private(set) var started: Int?
    public private(set) var ended: Int?
    public var isFinished: Bool { ["Completed", "Failed", "Canceled"].contains(status) }

    init(events: [JSONObject], engineRunning: Bool) {
        var spec: SweepJobSpec?
        var ended = false
        for event in events {
            let time = event["time"].flatMap { if case .int(let t) = $0 { return t } else { return nil } }
            let number = event["number"].flatMap { if case .int(let n) = $0 { return n } else { return nil } }
            switch event["event"]?.string {
            case "created":
                spec = event["spec"].flatMap { try? SweepJobSpec(json: $0) }
                created = time
            case "engine_started":
                if started == nil { started = time }
            case "tracking":
                experimentID = event["experiment_id"]?.string
                parentRunID = event["parent_run_id"]?.string
            case "trial_started":
                guard let number else { continue }
                let record = TrialRecord(
                    number: number, name: event["name"]?.string ?? "", state: .running,
                    params: event["params"]?.object ?? JSONObject(), flatParams: event["flat_params"]?.object ?? JSONObject(),
                    value: nil, message: nil, runID: event["run_id"]?.string, directory: event["directory"]?.string,
                    logDirectory: event["log_directory"]?.string, exit: nil, metrics: JSONObject())
                if number < trials.count { trials[number] = record } else { trials.append(record) }
            case "trial_ended":
                guard let number, number < trials.count else { continue }
                trials[number].state = event["state"]?.string.flatMap(TrialState.init(name:)) ?? .failed
                trials[number].value = event["value"]?.number
                trials[number].message = event["message"]?.string
                trials[number].exit = event["exit"]?.string
                trials[number].metrics = event["metrics"]?.object ?? JSONObject()
                trials[number].history = (event["history"]?.array ?? []).compactMap(\.number)
            case "trial_stop":
                guard let number, number < trials.count, let decision = TerminationDecision(json: event["decision"]) else { continue }
                trials[number].stopDecision = decision
                decisions.append(decision)
            case "best":
                bestNumber = number
            case "sweep_ended":
                ended = true
                status = event["status"]?.string ?? "Completed"
                reason = event["reason"]?.string
                self.ended = time
            default:
                break
            }
        }
        self.spec = spec
        if !ended {
            if engineRunning {
                status = "Running"
            } else if started != nil {
                status = "NotResponding"  // the engine stopped before the sweep ended: `resume` finishes it
                reason = "the engine is not running; resume the job to finish it"
            }
        }
    }

    public var best: TrialRecord? { bestNumber.map { trials[$0] } }

    public var json: JSONValue {
        var counts: JSONObject = [:]
        for state in [TrialState.running, .completed, .failed, .canceled] {
            counts[state.rawValue] = .int(trials.filter { $0.state == state }.count)
        }
        var properties: JSONObject = [:]
        if let best {
            properties["best_child_run_id"] = .string(best.runID ?? best.name)
            properties["best_trial"] = .string(best.name)
            if let value = best.value { properties["score"] = .double(value) }
        }
        var object: JSONObject = [
            "name": .string(spec?.name ?? ""), "type": "sweep", "status": .string(status),
            "display_name": .string(spec?.displayName ?? spec?.name ?? ""),
            "experiment_name": .string(spec?.experimentName ?? ""),
            "properties": .object(properties), "trial_counts": .object(counts),
            "trials": .array(trials.map(\.json)),
        ]
        if let reason { object["reason"] = .string(reason) }
        object["stop_decisions"] = .array(decisions.map(\.json))
        if let best { object["best_trial"] = best.json }
        if let experimentID { object["experiment_id"] = .string(experimentID) }
        if let parentRunID { object["parent_run_id"] = .string(parentRunID) }
        if let created { object["created"] = .int(created) }
        if let started { object["started"] = .int(started) }
        if let ended { object["ended"] = .int(ended) }
        if let spec { object["spec"] = spec.json }
        if let directory {
            object["directory"] = .string(directory)
            object["log"] = .string("\(directory)/sweep.log")
        }
        return .object(object)
    }
}
