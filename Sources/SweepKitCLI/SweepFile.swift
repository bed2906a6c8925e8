import Foundation
import SweepKit

/// A sweep YAML file in the Azure CLI v2 schema (`type: sweep`), reduced to the engine's spec.
struct SweepFile {
    let path: String
    let document: JSONObject
    let spec: SweepSpec

    /// Keys of the Azure sweep-job schema that the engine spec does not use (yet) but that a valid
    /// file may carry.
    static let jobKeys: Set<String> = [
        "$schema", "type", "name", "display_name", "experiment_name", "description", "tags", "properties",
        "compute", "trial", "inputs", "outputs", "identity", "queue_settings", "resources",
    ]

    init(path: String) throws {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw SweepKitError.validation(field: "--file", message: "cannot read \(path)")
        }
        guard case .object(let document) = try YAMLDocument.load(text, file: path) else {
            throw SweepKitError.validation(field: "", message: "\(path): a sweep file must be a mapping")
        }
        self.document = document
        guard document["type"] == .string("sweep") else {
            let given = document["type"]?.jsonText ?? "nothing"
            throw SweepKitError.validation(field: "type", message: "Unsupported job type: \(given); a sweep file has `type: sweep`")
        }
        var specObject = JSONObject()
        for (key, value) in document {
            if SweepSpec.topLevelKeys.contains(key) {
                specObject[key] = value
            } else if !Self.jobKeys.contains(key) {
                throw SweepKitError.validation(field: key, message: "Unknown field.")
            }
        }
        spec = try SweepSpec(json: .object(specObject))
    }
}
