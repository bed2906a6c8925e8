import Foundation
import SweepKit
import SweepKitJobs
import SweepKitRunner
import SweepKitPlatform
import SweepKitYAML

/// A sweep YAML file in the Azure CLI v2 schema (`type: sweep`), turned into the engine's job
/// JSON: `--set` overrides applied, relative paths resolved against the file's folder, defaults
/// filled in as the Azure CLI does. Warnings about the file go to stderr.
struct SweepFile {
    let path: String
    let job: JSONValue

    init(path: String, name: String? = nil, overrides: [String] = []) throws {
        self.path = path
        let read = try SweepJobSpec.readingSweepFile(try YAMLDocument.read(path: path), path: path,
                                                     overrides: try overrides.map(Self.override))
        for warning in read.warnings { FileHandle.standardError.write(Data("sweepkit: warning: \(warning)\n".utf8)) }
        var document = read.document
        if let name { document["name"] = .string(name) }
        if document["experiment_name"] == nil {
            document["experiment_name"] = .string(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).lastPathComponent)
        }
        if document["python"] == nil {
            document["python"] = .string(ProcessEnvironment.value("SWEEPKIT_PYTHON") ?? Self.pythonOnPath())
        }
        job = .object(document)
    }

    /// The engine-level spec (search space, sampler, objective, limits, policy) of the file, with
    /// the plugins it names loaded (it is about to be assembled into an engine).
    var sweepSpec: SweepSpec {
        get throws {
            try EngineAssembly.loadPlugins((job.object?["plugins"]?.array ?? []).map { FileSystem.absolute($0.string ?? "") })
            var object = JSONObject()
            for (key, value) in job.object ?? JSONObject() where SweepSpec.topLevelKeys.contains(key) { object[key] = value }
            return try SweepSpec(json: .object(object))
        }
    }

    /// `key=value` as the Azure CLI's `--set` takes it: a dotted path, and a value read as a YAML
    /// scalar (`10` a number, `true` a boolean, `azureml:cpu` a string) or a flow collection
    /// (`{type: choice, values: [1, 2]}`, `[a, b]`); anything else is the string as written.
    static func override(_ argument: String) throws -> (path: String, value: JSONValue) {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
            throw SweepKitError.validation(field: "--set", message: "expected key=value (e.g. limits.max_total_trials=10), got '\(argument)'")
        }
        let key = String(argument[..<equals])
        let text = String(argument[argument.index(after: equals)...])
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return (key, .string(text)) }
        let value = try YAMLDocument.load(text, file: "--set \(key)")
        switch value {
        case .array, .object:
            return (key, trimmed.hasPrefix("[") || trimmed.hasPrefix("{") ? value : .string(text))
        default:
            return (key, value)
        }
    }

    static func pythonOnPath() -> String {
        for directory in (ProcessEnvironment.value("PATH") ?? "").split(separator: ":") {
            for name in ["python3", "python"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return "\(directory)/\(name)"
            }
        }
        return "python3"
    }
}
