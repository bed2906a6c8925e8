import SweepKit
/// The `trial` of a sweep job: the command each trial runs, and where.
public struct TrialCommandSpec: Equatable, Sendable {
    /// The command line, with `${{search_space.x}}`, `${{inputs.x}}` and `${{outputs.x}}` placeholders.
    public var command: String
    /// An absolute directory whose contents are copied into each trial's working directory, or a
    /// single file copied there (Azure ML's `code` may name either), or nil.
    public var code: String?
    /// The environment name as written (Azure environments are accepted and ignored), or a path
    /// to a Python interpreter or virtualenv that `python` should mean for the trials.
    public var environment: String?
    public var environmentVariables: [(key: String, value: String)]

    public static func == (a: TrialCommandSpec, b: TrialCommandSpec) -> Bool {
        a.command == b.command && a.code == b.code && a.environment == b.environment
            && a.environmentVariables.map(\.key) == b.environmentVariables.map(\.key)
            && a.environmentVariables.map(\.value) == b.environmentVariables.map(\.value)
    }

    init(json: JSONValue?, field: String = "trial") throws(SweepKitError) {
        guard let object = json?.object else {
            throw .validation(field: field, message: "Missing data for required field: {command: ..., code: ..., environment: ...}")
        }
        let known = ["command", "code", "environment", "environment_variables", "distribution", "resources", "type", "name"]
        for key in object.keys where !known.contains(key) {
            throw .validation(field: "\(field).\(key)", message: "Unknown field.")
        }
        guard let command = object["command"]?.string, !command.trimmingWhitespace.isEmpty else {
            throw .validation(field: "\(field).command", message: "Missing data for required field: the command each trial runs")
        }
        self.command = command
        switch object["code"] {
        case nil, .null?: code = nil
        case .string(let path)?:
            guard path.hasPrefix("/") else {
                throw .validation(field: "\(field).code", message: "must be an absolute path once the job is submitted, got '\(path)'")
            }
            guard FileSystem.exists(path) else {
                throw .validation(field: "\(field).code", message: "the code folder or file \(path) does not exist")
            }
            code = path
        case let other?:
            throw .validation(field: "\(field).code", message: "must be the path of a folder or a file, got \(other.typeName)")
        }
        environment = object["environment"]?.string
        environmentVariables = []
        if let variables = object["environment_variables"], !variables.isNull {
            guard let variables = variables.object else {
                throw .validation(field: "\(field).environment_variables", message: "must be a mapping of names to values")
            }
            for (key, value) in variables {
                guard let text = CommandTemplate.format(value) else {
                    throw .validation(field: "\(field).environment_variables.\(key)", message: "must be a string, number or boolean")
                }
                environmentVariables.append((key, text))
            }
        }
    }

    var json: JSONValue {
        var object: JSONObject = ["command": .string(command)]
        if let code { object["code"] = .string(code) }
        if let environment { object["environment"] = .string(environment) }
        if !environmentVariables.isEmpty {
            object["environment_variables"] = .object(JSONObject(environmentVariables.map { ($0.key, JSONValue.string($0.value)) }))
        }
        return .object(object)
    }
}

