import SweepKit

private let azureMLPrefix = "azureml:"

extension SweepJobSpec {
    /// A sweep YAML document (Azure CLI v2, `type: sweep`) read from the file at `path`, as a job
    /// takes it: the type checked, its relative paths (`trial.code`, `plugins`) made absolute
    /// against the file's folder, and `compute: azureml:x` read as x (the Azure CLI's spelling). What `sweepkit job create --file` and `sweepkit.load_job` (through
    /// `sk_job_file_resolve`) both do, so a file means the same thing to both.
    public static func resolvingSweepFile(_ document: JSONValue, path: String) throws(SweepKitError) -> JSONObject {
        guard case .object(var object) = document else {
            throw .validation(field: "", message: "\(path): a sweep file must be a mapping")
        }
        guard object["type"] == .string("sweep") else {
            let given = object["type"]?.jsonText ?? "nothing"
            throw .validation(field: "type", message: "Unsupported job type: \(given); a sweep file has `type: sweep`")
        }
        let folder = FileSystem.directoryName(FileSystem.absolute(path))
        func resolved(_ relative: String) -> String {
            var parts: [Substring] = []
            for part in (relative.hasPrefix("/") ? relative : "\(folder)/\(relative)").split(separator: "/") {
                switch part {
                case ".": continue
                case "..": _ = parts.popLast()
                default: parts.append(part)
                }
            }
            return "/" + parts.joined(separator: "/")
        }
        if case .object(var trial)? = object["trial"], let code = trial["code"]?.string {
            trial["code"] = .string(resolved(code))
            object["trial"] = .object(trial)
        }
        if case .array(let plugins)? = object["plugins"] {
            object["plugins"] = .array(plugins.map { item in item.string.map { .string(resolved($0)) } ?? item })
        }
        if let compute = object["compute"]?.string, compute.hasPrefix(azureMLPrefix) {
            object["compute"] = .string(String(compute.dropFirst(azureMLPrefix.count)))
        }
        return object
    }
}
