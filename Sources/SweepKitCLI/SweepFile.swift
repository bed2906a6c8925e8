import Foundation
import SweepKit
import SweepKitJobs
import SweepKitRunner
import SweepKitPlatform
import SweepKitYAML

/// A sweep YAML file in the Azure CLI v2 schema (`type: sweep`), turned into the engine's job
/// JSON: relative paths resolved against the file's folder, defaults filled in as the Azure CLI does.
struct SweepFile {
    let path: String
    let job: JSONValue

    init(path: String, name: String? = nil) throws {
        self.path = path
        var document = try SweepJobSpec.resolvingSweepFile(try YAMLDocument.read(path: path), path: path)
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

    static func pythonOnPath() -> String {
        for directory in (ProcessEnvironment.value("PATH") ?? "").split(separator: ":") {
            for name in ["python3", "python"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return "\(directory)/\(name)"
            }
        }
        return "python3"
    }
}
