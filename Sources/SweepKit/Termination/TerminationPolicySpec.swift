/// The `early_termination` of a sweep spec, validated: which policy and its parameters.
///
/// Accepted forms: `"bandit"`, `"median_stopping"`, `"truncation_selection"` (case-insensitive,
/// with or without the underscore: every spelling the Azure documentation uses) or an object
/// `{"type": "bandit", "slack_factor": 0.1, "evaluation_interval": 1, "delay_evaluation": 5}`.
public struct TerminationPolicySpec: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case bandit(slackFactor: Double, slackAmount: Double)
        case medianStopping
        case truncationSelection(percentage: Int, excludeFinishedJobs: Bool)
        /// A policy from a plugin, with the spec's other keys as its options.
        case plugin(name: String, options: JSONObject)
    }

    public var kind: Kind
    /// Intervals to wait before the first evaluation.
    public var delayEvaluation: Int
    /// Evaluate at every multiple of this many intervals; 0 means 1.
    public var evaluationInterval: Int

    public init(kind: Kind, delayEvaluation: Int = 0, evaluationInterval: Int = 1) throws(SweepKitError) {
        self.kind = kind
        self.delayEvaluation = delayEvaluation
        self.evaluationInterval = evaluationInterval
        try validate(field: "early_termination")
    }

    public var typeName: String {
        switch kind {
        case .bandit: return "bandit"
        case .medianStopping: return "median_stopping"
        case .truncationSelection: return "truncation_selection"
        case .plugin(let name, _): return name
        }
    }

    public static func canonicalType(_ name: String) -> String? {
        switch String(name.lowercased().filter { $0 != "_" }) {
        case "bandit": return "bandit"
        case "medianstopping": return "median_stopping"
        case "truncationselection": return "truncation_selection"
        default: return nil
        }
    }

    static let fieldsByType: [String: [String]] = [
        "bandit": ["slack_factor", "slack_amount"],
        "median_stopping": [],
        "truncation_selection": ["truncation_percentage", "exclude_finished_jobs"],
    ]

    /// `nil` for a spec without early termination.
    public static func parse(_ json: JSONValue?, field: String = "early_termination") throws(SweepKitError) -> TerminationPolicySpec? {
        guard let json, !json.isNull else { return nil }
        var object: JSONObject
        switch json {
        case .string(let name): object = ["type": .string(name)]
        case .object(let o): object = o
        default:
            throw .validation(field: field, message: "Received unsupported value of type \(json.typeName) as the early termination policy")
        }
        guard let typeText = object["type"]?.string else {
            throw .validation(field: "\(field).type", message: "missing data for required field; expected bandit, median_stopping or truncation_selection")
        }
        guard let type = canonicalType(typeText) else {
            // A plugin's name: whether such a policy is registered is decided when the engine is
            // assembled (plugins load then), so parsing has no side effects.
            let name = typeText.lowercased()
            guard PluginName.isValid(name) else {
                throw .validation(field: "\(field).type", message: "Received unsupported value \(typeText) as the early termination policy; expected bandit, median_stopping, truncation_selection or a plugin policy's name ([a-z][a-z0-9_]*)")
            }
            var options = object
            for key in ["type", "delay_evaluation", "evaluation_interval"] { options[key] = nil }
            func integer(_ key: String) throws(SweepKitError) -> Int {
                guard let json = object[key], !json.isNull else { return key == "evaluation_interval" ? 1 : 0 }
                guard case .int(let n) = json else { throw .validation(field: "\(field).\(key)", message: "must be an integer, got \(json.jsonText)") }
                return n
            }
            let spec = TerminationPolicySpec(uncheckedKind: .plugin(name: name, options: options),
                                             delayEvaluation: try integer("delay_evaluation"), evaluationInterval: try integer("evaluation_interval"))
            try spec.validate(field: field)
            return spec
        }
        let allowed = ["type", "delay_evaluation", "evaluation_interval"] + (fieldsByType[type] ?? [])
        for key in object.keys where !allowed.contains(key) {
            throw .validation(field: "\(field).\(key)", message: "Unknown field for \(type). (expected \(allowed.dropFirst().joined(separator: ", ")))")
        }
        func integer(_ key: String, default value: Int) throws(SweepKitError) -> Int {
            guard let json = object[key], !json.isNull else { return value }
            guard case .int(let n) = json else {
                throw .validation(field: "\(field).\(key)", message: "must be an integer, got \(json.jsonText)")
            }
            return n
        }
        func number(_ key: String) throws(SweepKitError) -> Double {
            guard let json = object[key], !json.isNull else { return 0 }
            guard let n = json.number, n.isFinite else {
                throw .validation(field: "\(field).\(key)", message: "must be a number, got \(json.jsonText)")
            }
            return n
        }
        let kind: Kind
        switch type {
        case "bandit":
            kind = .bandit(slackFactor: try number("slack_factor"), slackAmount: try number("slack_amount"))
        case "median_stopping":
            kind = .medianStopping
        default:
            let exclude = object["exclude_finished_jobs"] ?? .bool(false)
            guard case .bool(let excludeFinished) = exclude else {
                throw .validation(field: "\(field).exclude_finished_jobs", message: "must be true or false, got \(exclude.jsonText)")
            }
            guard object["truncation_percentage"] != nil else {
                throw .validation(field: "\(field).truncation_percentage", message: "Missing data for required field.")
            }
            kind = .truncationSelection(percentage: try integer("truncation_percentage", default: 0), excludeFinishedJobs: excludeFinished)
        }
        let spec = TerminationPolicySpec(
            uncheckedKind: kind,
            delayEvaluation: try integer("delay_evaluation", default: 0),
            evaluationInterval: try integer("evaluation_interval", default: 1))
        try spec.validate(field: field)
        return spec
    }

    private init(uncheckedKind: Kind, delayEvaluation: Int, evaluationInterval: Int) {
        kind = uncheckedKind
        self.delayEvaluation = delayEvaluation
        self.evaluationInterval = evaluationInterval
    }

    func validate(field: String) throws(SweepKitError) {
        guard delayEvaluation >= 0 else {
            throw .validation(field: "\(field).delay_evaluation", message: "must be a non-negative integer, got \(delayEvaluation)")
        }
        guard evaluationInterval >= 0 else {
            throw .validation(field: "\(field).evaluation_interval", message: "must be a non-negative integer, got \(evaluationInterval)")
        }
        switch kind {
        case .bandit(let factor, let amount):
            guard factor >= 0, amount >= 0 else {
                throw .validation(field: field, message: "Bandit slack_factor and slack_amount must be non-negative, got slack_factor=\(factor), slack_amount=\(amount)")
            }
            guard (factor > 0) != (amount > 0) else {
                throw .validation(field: field, message: "Bandit termination policy expects exactly one of slack factor or slack amount to be set.")
            }
        case .medianStopping, .plugin:
            break
        case .truncationSelection(let percentage, _):
            guard (1...99).contains(percentage) else {
                throw .validation(field: "\(field).truncation_percentage", message: "truncation_percentage expects value to be between 1 and 99, got \(percentage).")
            }
        }
    }

    public var json: JSONValue {
        var object: JSONObject = [
            "type": .string(typeName), "delay_evaluation": .int(delayEvaluation), "evaluation_interval": .int(evaluationInterval),
        ]
        switch kind {
        case .bandit(let factor, let amount):
            if factor > 0 { object["slack_factor"] = .double(factor) }
            if amount > 0 { object["slack_amount"] = .double(amount) }
        case .medianStopping:
            break
        case .truncationSelection(let percentage, let exclude):
            object["truncation_percentage"] = .int(percentage)
            object["exclude_finished_jobs"] = .bool(exclude)
        case .plugin(_, let options):
            for (key, value) in options { object[key] = value }
        }
        return .object(object)
    }
}
