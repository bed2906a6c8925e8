/// The `limits` of a sweep. `nil` means unlimited.
///
/// Unlike the Azure SDK, timeouts are not floored to 60 seconds and any positive number of seconds
/// is accepted; `max_total_trials` has no upper cap of 1000.
public struct SweepLimits: Equatable, Sendable {
    public var maxTotalTrials: Int?
    public var maxConcurrentTrials: Int?
    /// Seconds for the whole sweep.
    public var timeout: Double?
    /// Seconds for each trial (command trials).
    public var trialTimeout: Double?

    public init(maxTotalTrials: Int? = nil, maxConcurrentTrials: Int? = nil, timeout: Double? = nil, trialTimeout: Double? = nil) {
        self.maxTotalTrials = maxTotalTrials
        self.maxConcurrentTrials = maxConcurrentTrials
        self.timeout = timeout
        self.trialTimeout = trialTimeout
    }

    public init(json: JSONValue?, field: String = "limits") throws(SweepKitError) {
        self.init()
        guard let json, !json.isNull else { return }
        guard let object = json.object else {
            throw .validation(field: field, message: "expected a mapping, got \(json.typeName)")
        }
        let known = ["max_total_trials", "max_concurrent_trials", "timeout", "trial_timeout"]
        for key in object.keys where !known.contains(key) {
            throw .validation(field: "\(field).\(key)", message: "Unknown field. (expected \(known.joined(separator: ", ")))")
        }
        func count(_ key: String) throws(SweepKitError) -> Int? {
            guard let value = object[key], !value.isNull else { return nil }
            guard case .int(let n) = value, n >= 1 else {
                throw .validation(field: "\(field).\(key)", message: "must be an integer of at least 1, got \(value.jsonText)")
            }
            return n
        }
        func seconds(_ key: String) throws(SweepKitError) -> Double? {
            guard let value = object[key], !value.isNull else { return nil }
            guard let s = value.number, s.isFinite, s > 0, value != .bool(true) else {
                throw .validation(field: "\(field).\(key)", message: "must be a positive number of seconds, got \(value.jsonText)")
            }
            return s
        }
        maxTotalTrials = try count("max_total_trials")
        maxConcurrentTrials = try count("max_concurrent_trials")
        timeout = try seconds("timeout")
        trialTimeout = try seconds("trial_timeout")
    }

    public var json: JSONValue {
        var object = JSONObject()
        if let maxTotalTrials { object["max_total_trials"] = .int(maxTotalTrials) }
        if let maxConcurrentTrials { object["max_concurrent_trials"] = .int(maxConcurrentTrials) }
        if let timeout { object["timeout"] = ParameterExpression.number(timeout) }
        if let trialTimeout { object["trial_timeout"] = ParameterExpression.number(trialTimeout) }
        return .object(object)
    }
}
