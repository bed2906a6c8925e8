import SweepKit
/// A sweep job: the sweep (search space, sampler, objective, limits, policy) plus the command trial,
/// its inputs, its names and where its metrics are tracked. The canonical JSON uses the keys of the
/// Azure CLI v2 sweep YAML, plus `tracking_uri` and `python`:
///
/// ```json
/// {"name": "quiet_kite_7xq2b9mhdw", "experiment_name": "sweep-example", "compute": "local",
///  "trial": {"command": "python train.py --reg ${{search_space.reg}}", "code": "/abs/src"},
///  "inputs": {"data": "iris.csv"}, "search_space": {...}, "sampling_algorithm": "grid",
///  "objective": {"goal": "maximize", "primary_metric": "Accuracy"}, "limits": {...},
///  "tracking_uri": "sqlite:////abs/mlflow.db", "python": "/abs/.venv/bin/python"}
/// ```
public struct SweepJobSpec: Equatable, Sendable {
    public var name: String
    public var displayName: String?
    public var experimentName: String
    public var description: String?
    public var tags: JSONObject
    public var compute: String?
    public var sweep: SweepSpec
    public var trial: TrialCommandSpec
    /// Literal inputs by name (numbers, strings, booleans), or `{"type": ..., "path": ...}` data inputs.
    public var inputs: JSONObject
    /// `sqlite:///<absolute path>`, `http(s)://...`, or `none` (no MLflow: trials complete on exit 0).
    public var trackingURI: String
    /// The interpreter `python` means for the trials (the one that submitted the sweep).
    public var python: String?
    /// Plugin libraries (absolute paths) the sweep needs; loaded when its engine is assembled
    /// (`EngineAssembly.loadPlugins`), never while the spec is parsed.
    public var plugins: [String]
    /// What each trial needs (`resources`, else `trial.resources`, as Azure falls back).
    public var resources: TrialResources?

    static let jobKeys = [
        "$schema", "type", "name", "display_name", "experiment_name", "description", "tags", "properties", "compute",
        "trial", "inputs", "outputs", "identity", "queue_settings", "resources", "tracking_uri", "python", "status",
        "plugins",
    ]

    public init(json: JSONValue) throws(SweepKitError) {
        guard let object = json.object else {
            throw .validation(field: "", message: "a sweep job must be a mapping, got \(json.typeName)")
        }
        if let type = object["type"], type != .string("sweep") {
            throw .validation(field: "type", message: "Unsupported job type: \(type.jsonText); a sweep job has type sweep")
        }
        plugins = []
        if let given = object["plugins"], !given.isNull {
            guard let list = given.array, list.allSatisfy({ $0.string != nil }) else {
                throw .validation(field: "plugins", message: "must be a list of plugin library paths")
            }
            plugins = list.map { FileSystem.absolute($0.string ?? "") }
        }
        var sweepObject = JSONObject()
        for (key, value) in object {
            if SweepSpec.topLevelKeys.contains(key) {
                sweepObject[key] = value
            } else if !Self.jobKeys.contains(key) {
                throw .validation(field: key, message: "Unknown field.")
            }
        }
        sweep = try SweepSpec(json: .object(sweepObject))
        // The documented default (the Azure YAML reference): 1000 trials.
        if sweep.limits.maxTotalTrials == nil { sweep.limits.maxTotalTrials = 1000 }
        guard object["objective"]?.object?["primary_metric"]?.string != nil else {
            throw .validation(field: "objective.primary_metric", message: "Missing data for required field.")
        }
        name = try Self.string(object, "name") ?? ""
        if !name.isEmpty { try Self.validateName(name, field: "name") }
        displayName = try Self.string(object, "display_name")
        experimentName = try Self.string(object, "experiment_name") ?? "Default"
        description = try Self.string(object, "description")
        tags = object["tags"]?.object ?? JSONObject()
        compute = try Self.string(object, "compute").map { $0.hasPrefix("azureml:") ? String($0.dropFirst(8)) : $0 }
        trial = try TrialCommandSpec(json: object["trial"])
        inputs = JSONObject()
        if let given = object["inputs"], !given.isNull {
            guard let given = given.object else { throw .validation(field: "inputs", message: "must be a mapping of input names to values") }
            for (key, value) in given {
                inputs[key] = try Self.input(value, field: "inputs.\(key)")
            }
        }
        resources = try TrialResources(json: object["resources"], field: "resources")
        if resources == nil { resources = try TrialResources(json: object["trial"]?.object?["resources"], field: "trial.resources") }
        trackingURI = try Self.string(object, "tracking_uri") ?? "none"
        python = try Self.string(object, "python")
        try validateCommand()
        try validateTrackingURI()
    }

    /// The types of literal inputs and the JSON values each accepts.
    static let literalInputTypes = ["integer", "number", "string", "boolean"]

    /// A job input: a literal (`42`, `{value: 42}` as Azure's YAML writes it, or
    /// `{type: integer, default: 42}` as `Input(type="integer", default=42)` gives it) becomes its
    /// value; a data input (`{type: uri_file, path: ...}`) stays a mapping with its path.
    static func input(_ value: JSONValue, field: String) throws(SweepKitError) -> JSONValue {
        switch value {
        case .object(let data):
            let type = data["type"]?.string
            if data["path"] == nil, let literal = data["value"] ?? (type.map(literalInputTypes.contains) == true ? data["default"] : nil) {
                try checkLiteral(literal, type: type, field: field)
                return literal
            }
            guard data["path"]?.string != nil else {
                if let type, literalInputTypes.contains(type) {
                    throw .validation(field: field, message: "a literal input of type \(type) needs a value (value: or default:)")
                }
                throw .validation(field: field, message: "a data input needs a path")
            }
            return value
        case .null, .array:
            throw .validation(field: field, message: "Unsupported input type: \(value.typeName), only Input, dict, str, bool, int and float are supported.")
        default:
            return value
        }
    }

    private static func checkLiteral(_ value: JSONValue, type: String?, field: String) throws(SweepKitError) {
        let fits: Bool
        switch (type, value) {
        case (nil, .bool), (nil, .int), (nil, .double), (nil, .string): fits = true
        case ("integer"?, .int), ("number"?, .int), ("number"?, .double), ("string"?, .string), ("boolean"?, .bool): fits = true
        default: fits = false
        }
        guard fits else {
            let expected = type.map { "a value of type \($0)" } ?? "a string, number or boolean"
            throw .validation(field: field, message: "a literal input needs \(expected), got \(value.typeName)")
        }
    }

    /// The spec with every reproducibility default decided (`SweepSpec.decidingDefaults`): what a
    /// job's journal records at submission, so every engine that runs it replays the same draws.
    public func decidingDefaults() -> SweepJobSpec {
        var decided = self
        decided.sweep = sweep.decidingDefaults()
        return decided
    }

    public init(jsonText: String) throws(SweepKitError) {
        try self.init(json: JSONValue(parsing: jsonText))
    }

    private static func string(_ object: JSONObject, _ key: String) throws(SweepKitError) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw .validation(field: key, message: "must be a string, got \(other.typeName)")
        }
    }

    static func validateName(_ name: String, field: String) throws(SweepKitError) {
        let ok = !name.isEmpty && name.count <= 200 && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
        guard ok else { throw .validation(field: field, message: "'\(name)' must be 1-200 letters, digits, '_' or '-'") }
    }

    /// Every placeholder must name something the trial will have (Azure checks only inputs).
    private func validateCommand() throws(SweepKitError) {
        do { try CommandTemplate.checkContexts(trial.command) } catch {
            throw .validation(field: "trial.command", message: "\(error)")
        }
        let parameterNames = Set(sweep.searchSpace.parameters.map(\.name))
        for placeholder in CommandTemplate.placeholders(in: trial.command) {
            let root = String(placeholder.key.split(separator: ".", maxSplits: 1).first ?? "")
            switch placeholder.namespace {
            case "inputs":
                guard inputs[placeholder.key] != nil || parameterNames.contains(placeholder.key) else {
                    throw .validation(field: "trial.command", message: "Inputs to job does not contain '\(placeholder.key)' referenced in command")
                }
            case "search_space":
                guard parameterNames.contains(root) else {
                    throw .validation(field: "trial.command", message: "the search space does not contain '\(placeholder.key)' referenced in command")
                }
            case "outputs":
                break
            default:
                throw .validation(field: "trial.command", message: "unknown placeholder ${{\(placeholder.namespace).\(placeholder.key)}}; use search_space, inputs or outputs")
            }
        }
    }

    private func validateTrackingURI() throws(SweepKitError) {
        if trackingURI == "none" || trackingURI.hasPrefix("http://") || trackingURI.hasPrefix("https://") { return }
        guard trackingURI.hasPrefix("sqlite:////") else {
            throw .validation(field: "tracking_uri", message: "expected sqlite:///<absolute path>, http(s)://host:port or none, got '\(trackingURI)'")
        }
    }

    public var json: JSONValue {
        var object: JSONObject = ["type": "sweep", "name": .string(name)]
        if let displayName { object["display_name"] = .string(displayName) }
        object["experiment_name"] = .string(experimentName)
        if let description { object["description"] = .string(description) }
        if !tags.isEmpty { object["tags"] = .object(tags) }
        if let compute { object["compute"] = .string(compute) }
        object["trial"] = trial.json
        if !inputs.isEmpty { object["inputs"] = .object(inputs) }
        for (key, value) in sweep.json.object ?? JSONObject() { object[key] = value }
        if let resources { object["resources"] = resources.json }
        object["tracking_uri"] = .string(trackingURI)
        if let python { object["python"] = .string(python) }
        if !plugins.isEmpty { object["plugins"] = .array(plugins.map(JSONValue.string)) }
        return .object(object)
    }
}
