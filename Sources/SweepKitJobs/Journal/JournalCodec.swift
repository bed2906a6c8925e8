import SweepKit
/// How a `JournalEntry` is spelled on disk: one JSON object per line, with the event's name in
/// `event`, its time in `time` (epoch ms) and, last, `crc32`: the CRC-32 of the line's text without
/// that key, so a line damaged after it was written is recognised even when it is still JSON.
/// The only place event names and payload keys are written or read.
public enum JournalCodec {
    /// Event names on disk. `best` was written by earlier versions (the best trial is now derived
    /// from the ended trials) and is read as nothing.
    enum Name: String {
        case created, engineStarted = "engine_started", tracking, trialStarted = "trial_started"
        case trialLaunched = "trial_launched", trialRunning = "trial_running", trialStopping = "trial_stop"
        case trialEnded = "trial_ended"
        case sweepEnded = "sweep_ended", best
    }

    public struct DamagedLine: Error, Equatable, Sendable {
        public let reason: String
    }

    private static let checksumKey = ",\"crc32\":\""

    /// The line (without its newline) for `entry`.
    public static func encode(_ entry: JournalEntry) -> String {
        var object = JSONObject([(key: "event", value: .string(name(of: entry.event).rawValue))])
        for (key, value) in payload(entry.event) { object[key] = value }
        object["time"] = .int(Int(entry.time))
        let text = JSONValue.object(object).jsonText
        return String(text.dropLast()) + checksumKey + CRC32.hex(of: text) + "\"}"
    }

    /// The entry a line holds; nil for an obsolete event that carries nothing any more. Throws
    /// `DamagedLine` when the line is not an intact event.
    public static func decode(_ line: Substring) throws(DamagedLine) -> JournalEntry? {
        var text = String(line)
        // `...,"crc32":"xxxxxxxx"}`: the key, 8 hex digits, a quote and the closing brace.
        let utf8 = Array(line.utf8)
        let key = Array(checksumKey.utf8)
        let checked = utf8.count > key.count + 10 && Array(utf8[(utf8.count - key.count - 10)..<(utf8.count - 10)]) == key
        if checked {
            let stored = String(decoding: utf8[(utf8.count - 10)..<(utf8.count - 2)], as: UTF8.self)
            text = String(decoding: utf8[..<(utf8.count - key.count - 10)], as: UTF8.self) + "}"
            guard utf8.suffix(2) == Array("\"}".utf8), stored == CRC32.hex(of: text) else {
                throw DamagedLine(reason: "its checksum does not match its content")
            }
        }
        guard case .object(let object)? = try? JSONValue(parsing: text) else {
            throw DamagedLine(reason: "it is not a JSON object")
        }
        guard let nameText = object["event"]?.string, let name = Name(rawValue: nameText) else {
            throw DamagedLine(reason: "unknown event \(object["event"]?.jsonText ?? "(none)")")
        }
        guard case .int(let time)? = object["time"] else { throw DamagedLine(reason: "\(nameText) has no time") }
        guard let event = try event(name, object) else { return nil }
        return JournalEntry(time: Int64(time), event: event)
    }

    static func name(of event: JobEvent) -> Name {
        switch event {
        case .created: return .created
        case .engineStarted: return .engineStarted
        case .tracking: return .tracking
        case .trialStarted: return .trialStarted
        case .trialLaunched: return .trialLaunched
        case .trialRunning: return .trialRunning
        case .trialStopping: return .trialStopping
        case .trialEnded: return .trialEnded
        case .sweepEnded: return .sweepEnded
        }
    }

    static func payload(_ event: JobEvent) -> JSONObject {
        switch event {
        case .created(let spec):
            return ["spec": spec.json]
        case .engineStarted(let pid, let resumed):
            return ["pid": .int(pid), "resumed": .bool(resumed)]
        case .tracking(let experiment, let parent):
            return ["experiment_id": .string(experiment), "parent_run_id": .string(parent)]
        case .trialStarted(let start):
            return ["number": .int(start.number), "name": .string(start.name), "attempt": .int(start.attempt),
                    "params": .object(start.params), "flat_params": .object(start.flatParams), "run_id": .string(start.runID),
                    "directory": .string(start.directory), "log_directory": .string(start.logDirectory)]
        case .trialLaunched(let number, let process):
            if process.isLocal {
                return ["number": .int(number), "process": ["pid": .int(Int(process.pid)), "start_ticks": .int(Int(process.startTicks))]]
            }
            return ["number": .int(number), "remote": ["kind": .string(process.kind), "id": .string(process.id)]]
        case .trialRunning(let number):
            return ["number": .int(number)]
        case .trialStopping(let number, let decision):
            return ["number": .int(number), "decision": decision.json]
        case .trialEnded(let end):
            var object: JSONObject = ["number": .int(end.number), "state": .string(end.state.rawValue),
                                      "value": end.value.map(JSONValue.double) ?? .null, "metrics": .object(end.metrics)]
            if let message = end.message { object["message"] = .string(message) }
            if let exit = end.exit { object["exit"] = .string(exit) }
            object["history"] = .array(end.history.map(JSONValue.double))
            return object
        case .sweepEnded(let status, let reason, let cpu):
            var object: JSONObject = ["status": .string(status.rawValue), "reason": .string(reason)]
            if let cpu { object["engine_cpu_seconds"] = .double(cpu) }
            return object
        }
    }

    private static func event(_ name: Name, _ o: JSONObject) throws(DamagedLine) -> JobEvent? {
        func string(_ key: String) throws(DamagedLine) -> String {
            guard let value = o[key]?.string else { throw DamagedLine(reason: "\(name.rawValue) has no \(key)") }
            return value
        }
        func integer(_ key: String, in object: JSONObject? = nil) throws(DamagedLine) -> Int {
            guard case .int(let value)? = (object ?? o)[key] else { throw DamagedLine(reason: "\(name.rawValue) has no integer \(key)") }
            return value
        }
        switch name {
        case .best:
            return nil
        case .created:
            guard let json = o["spec"], let spec = try? SweepJobSpec(json: json) else {
                throw DamagedLine(reason: "created has no valid spec")
            }
            return .created(spec: spec)
        case .engineStarted:
            return .engineStarted(pid: try integer("pid"), resumed: o["resumed"] == .bool(true))
        case .tracking:
            return .tracking(experimentID: try string("experiment_id"), parentRunID: try string("parent_run_id"))
        case .trialStarted:
            return .trialStarted(TrialStart(
                number: try integer("number"), name: try string("name"), attempt: (try? integer("attempt")) ?? 1,
                params: o["params"]?.object ?? JSONObject(), flatParams: o["flat_params"]?.object ?? JSONObject(),
                runID: o["run_id"]?.string ?? "", directory: o["directory"]?.string ?? "",
                logDirectory: o["log_directory"]?.string ?? ""))
        case .trialLaunched:
            if let remote = o["remote"]?.object {
                guard let kind = remote["kind"]?.string, let id = remote["id"]?.string, !id.isEmpty else {
                    throw DamagedLine(reason: "trial_launched has no valid remote id")
                }
                return .trialLaunched(number: try integer("number"), process: LaunchedTrial(kind: kind, id: id))
            }
            guard let process = o["process"]?.object, let pid = Int32(exactly: try integer("pid", in: process)),
                let ticks = UInt64(exactly: try integer("start_ticks", in: process))
            else { throw DamagedLine(reason: "trial_launched has no valid process") }
            return .trialLaunched(number: try integer("number"), process: LaunchedTrial(pid: pid, startTicks: ticks))
        case .trialRunning:
            return .trialRunning(number: try integer("number"))
        case .trialStopping:
            guard let decision = TerminationDecision(json: o["decision"]) else {
                throw DamagedLine(reason: "trial_stop has no valid decision")
            }
            return .trialStopping(number: try integer("number"), decision: decision)
        case .trialEnded:
            guard let state = o["state"]?.string.flatMap(TrialState.init(name:)), state.isFinished else {
                throw DamagedLine(reason: "trial_ended has no final state")
            }
            return .trialEnded(TrialEnd(
                number: try integer("number"), state: state, value: o["value"]?.number, message: o["message"]?.string,
                exit: o["exit"]?.string, metrics: o["metrics"]?.object ?? JSONObject(),
                history: (o["history"]?.array ?? []).compactMap(\.number)))
        case .sweepEnded:
            guard let status = JobStatus(rawValue: try string("status")), status.isFinished else {
                throw DamagedLine(reason: "sweep_ended has no final status")
            }
            let cpu = o["engine_cpu_seconds"]?.number
            return .sweepEnded(status: status, reason: o["reason"]?.string ?? "", engineCPUSeconds: cpu)
        }
    }
}

/// CRC-32 (IEEE 802.3, as zlib computes it), for the journal's line checks and zip archives.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    public static func checksum<Bytes: Sequence>(bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    static func checksum(_ text: String) -> UInt32 { checksum(bytes: text.utf8) }

    static func hex(of text: String) -> String {
        let digits = String(checksum(text), radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
