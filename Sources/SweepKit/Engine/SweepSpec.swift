/// The canonical description of a sweep: what the Python facade, the CLI's YAML and Swift callers
/// all reduce to before the engine runs anything. Its JSON form uses the YAML key names:
///
/// ```json
/// {"search_space": {"lr": ["loguniform", [-6, -1]]},
///  "sampling_algorithm": {"type": "random", "rule": "sobol", "seed": 1},
///  "objective": {"goal": "maximize", "primary_metric": "accuracy"},
///  "limits": {"max_total_trials": 20, "max_concurrent_trials": 2},
///  "early_termination": {"type": "bandit", "slack_factor": 0.1}}
/// ```
public struct SweepSpec: Equatable, Sendable {
    public var searchSpace: SearchSpace
    public var samplingAlgorithm: SamplingAlgorithm
    public var goal: Goal
    public var primaryMetric: String
    public var limits: SweepLimits
    public var earlyTermination: TerminationPolicySpec?

    public init(
        searchSpace: SearchSpace, samplingAlgorithm: SamplingAlgorithm = .random(), goal: Goal,
        primaryMetric: String = "objective", limits: SweepLimits = SweepLimits(),
        earlyTermination: TerminationPolicySpec? = nil
    ) {
        self.searchSpace = searchSpace
        self.samplingAlgorithm = samplingAlgorithm
        self.goal = goal
        self.primaryMetric = primaryMetric
        self.limits = limits
        self.earlyTermination = earlyTermination
    }

    public static let topLevelKeys = ["search_space", "sampling_algorithm", "objective", "limits", "early_termination"]

    public init(json: JSONValue) throws(SweepKitError) {
        guard let object = json.object else {
            throw .validation(field: "", message: "a sweep spec must be a mapping, got \(json.typeName)")
        }
        for key in object.keys where !Self.topLevelKeys.contains(key) {
            throw .validation(field: key, message: "Unknown field. (expected \(Self.topLevelKeys.joined(separator: ", ")))")
        }
        guard let spaceJSON = object["search_space"] else {
            throw .validation(field: "search_space", message: "Missing data for required field.")
        }
        searchSpace = try SearchSpace(json: spaceJSON)
        samplingAlgorithm = try SamplingAlgorithm(json: object["sampling_algorithm"])
        guard let objective = object["objective"]?.object else {
            throw .validation(field: "objective", message: "Missing data for required field: {goal: maximize|minimize, primary_metric: <name>}")
        }
        for key in objective.keys where !["goal", "primary_metric"].contains(key) {
            throw .validation(field: "objective.\(key)", message: "Unknown field. (expected goal, primary_metric)")
        }
        goal = try Goal(json: objective["goal"], field: "objective.goal")
        switch objective["primary_metric"] {
        case nil, .null?:
            primaryMetric = "objective"
        case .string(let name)? where !name.isEmpty:
            // A metric name ends up in MLflow, logs and terminals: a control character (a newline,
            // an escape sequence, a NUL) would forge lines or be cut, so it is refused.
            if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw .validation(field: "objective.primary_metric", message: "must not contain control characters, got \(JSONValue.string(name).jsonText)")
            }
            primaryMetric = name
        case let other?:
            throw .validation(field: "objective.primary_metric", message: "must be a non-empty metric name, got \(other.jsonText)")
        }
        limits = try SweepLimits(json: object["limits"])
        earlyTermination = try TerminationPolicySpec.parse(object["early_termination"])
    }

    public init(jsonText: String) throws(SweepKitError) {
        try self.init(json: JSONValue(parsingInput: jsonText, field: "spec"))
    }

    /// Warnings (not errors): log-scale bounds that look like values rather than exponents
    /// (`LogScaleAdvice`), and Azure's advice for Bayesian sampling: at least 20 trials per
    /// hyperparameter, and at most 20 concurrent trials.
    public var advice: [String] {
        var notes = LogScaleAdvice.warnings(for: searchSpace, logBase: samplingAlgorithm.logBase)
        guard samplingAlgorithm.samplerName == BayesianSampler.name else { return notes }
        let recommended = 20 * searchSpace.parameters.count
        if let total = limits.maxTotalTrials, total < recommended {
            notes.append("For best results with Bayesian Sampling we recommend using a maximum number of runs greater than or equal to 20 times the number of hyperparameters being tuned. Recommended value: \(recommended) (limits.max_total_trials is \(total)).")
        }
        if let concurrent = limits.maxConcurrentTrials, concurrent > 20 {
            notes.append("We recommend using 20 max concurrent runs or fewer when using Bayesian sampling since a higher number might not provide the best result (limits.max_concurrent_trials is \(concurrent)).")
        }
        return notes
    }

    public var json: JSONValue {
        var object: JSONObject = [
            "search_space": searchSpace.json(form: .wire),
            "sampling_algorithm": samplingAlgorithm.json,
            "objective": ["goal": .string(goal.rawValue), "primary_metric": .string(primaryMetric)],
            "limits": limits.json,
        ]
        if let earlyTermination { object["early_termination"] = earlyTermination.json }
        return .object(object)
    }
}
