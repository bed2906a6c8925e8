import SweepKit

private let azureMLPrefix = "azureml:"

/// A sweep file as a job takes it, and what reading it warns about.
public struct SweepFileReading: Sendable {
    public var document: JSONObject
    /// Messages for the user (a deprecated placeholder form was upgraded, ...).
    public var warnings: [String]
}

extension SweepJobSpec {
    /// Keys of `properties` that carry what Azure ML's sweep schema has no place for (a plugin
    /// sampler, `exclude_finished_jobs`, ...), as JSON text. `sweepkit.search_space.<name>`
    /// replaces one parameter's expression. They are how `SweepJob.dump` writes SweepKit's
    /// extensions so that the Azure ML SDK still loads the file (README, "Azure ML round trip").
    public static let extensionProperties = ["sweepkit.sampling_algorithm", "sweepkit.early_termination", "sweepkit.resources",
                                             "sweepkit.plugins"]
    public static let extensionSearchSpacePrefix = "sweepkit.search_space."

    /// A sweep YAML document (Azure CLI v2, `type: sweep`) read from the file at `path`, as a job
    /// takes it: the type checked, its relative paths (`trial.code`, local `inputs.*.path`, an
    /// environment that is a local interpreter or virtualenv, `plugins`) made absolute against the
    /// file's folder, and `compute: azureml:x` read as x (the Azure CLI's spelling). What
    /// `sweepkit job create --file` and `sweepkit.load_job` (through `sk_job_file_resolve`) both
    /// do, so a file means the same thing to both.
    public static func resolvingSweepFile(_ document: JSONValue, path: String) throws(SweepKitError) -> JSONObject {
        try readingSweepFile(document, path: path).document
    }

    /// `resolvingSweepFile`, after applying `overrides` (the Azure CLI's `--set key=value`, the
    /// SDK's `load_job(params_override=...)`: dotted paths set on the document as written, before
    /// its paths are resolved), reading the `sweepkit.*` extension properties back, and upgrading
    /// deprecated single-brace placeholders in `trial.command` (with Azure's warning). What needs
    /// an Azure ML workspace (a registered code or data asset, a datastore) is an error naming
    /// the field.
    public static func readingSweepFile(_ document: JSONValue, path: String, overrides: [(path: String, value: JSONValue)] = [])
        throws(SweepKitError) -> SweepFileReading
    {
        guard case .object(var object) = document else {
            throw .validation(field: "", message: "\(path): a sweep file must be a mapping")
        }
        for override in overrides { try apply(override, to: &object) }
        guard object["type"] == .string("sweep") else {
            let given = object["type"]?.jsonText ?? "nothing"
            throw .validation(field: "type", message: "Unsupported job type: \(given); a sweep file has `type: sweep`")
        }
        var warnings: [String] = []
        try readExtensions(&object)
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
        if case .object(var trial)? = object["trial"] {
            if let command = trial["command"]?.string, let upgraded = CommandTemplate.upgradingSingleBracePlaceholders(in: command) {
                trial["command"] = .string(upgraded)
                warnings.append("trial.command: \(CommandTemplate.singleBraceWarning)")
            }
            if let code = trial["code"]?.string {
                trial["code"] = .string(resolved(try localPath(code, field: "trial.code", what: "a code asset")))
            }
            switch trial["environment"] {
            case .string(let environment)? where !environment.hasPrefix(azureMLPrefix) && FileSystem.exists(resolved(environment)):
                // A local interpreter or virtualenv (Azure environment names are kept as written).
                trial["environment"] = .string(resolved(environment))
            case .object(var inline)?:
                // An inline Azure environment (image, conda file, build context): ignored when
                // trials run here, its files resolved like every path of the file.
                if let conda = inline["conda_file"]?.string, !isURI(conda) { inline["conda_file"] = .string(resolved(conda)) }
                if case .object(var build)? = inline["build"], let context = build["path"]?.string, !isURI(context) {
                    build["path"] = .string(resolved(context))
                    inline["build"] = .object(build)
                }
                trial["environment"] = .object(inline)
            default:
                break
            }
            object["trial"] = .object(trial)
        }
        if case .object(var inputs)? = object["inputs"] {
            for (name, value) in inputs {
                guard case .object(var input) = value else { continue }
                guard let given = input["path"]?.string else {
                    inputs[name] = try Self.input(value, field: "inputs.\(name)")  // a literal: {value: 42}
                    continue
                }
                let local = try localPath(given, field: "inputs.\(name).path", what: "a data asset or datastore path")
                input["path"] = .string(isURI(local) ? local : resolved(local))
                inputs[name] = .object(input)
            }
            object["inputs"] = .object(inputs)
        }
        if case .object(let outputs)? = object["outputs"] {
            for (name, value) in outputs {
                if let given = value.object?["path"]?.string {
                    _ = try localPath(given, field: "outputs.\(name).path", what: "a datastore path")
                }
            }
        }
        if case .array(let plugins)? = object["plugins"] {
            object["plugins"] = .array(plugins.map { item in item.string.map { .string(resolved($0)) } ?? item })
        }
        if let compute = object["compute"]?.string, compute.hasPrefix(azureMLPrefix) {
            object["compute"] = .string(String(compute.dropFirst(azureMLPrefix.count)))
        }
        return SweepFileReading(document: object, warnings: warnings)
    }

    /// `path` as a local path (or a URL, passed to the trial as it is). `azureml:` names something
    /// in an Azure ML workspace or registry (an asset, a datastore), which only the service can
    /// resolve: the Azure ML SDK submits `azureml:./data` as the data asset of that name too (its
    /// own `dump` writes local data inputs that way).
    private static func localPath(_ path: String, field: String, what: String) throws(SweepKitError) -> String {
        guard path.hasPrefix(azureMLPrefix) else { return path }
        let rest = path.dropFirst(azureMLPrefix.count)
        let hint = rest.hasPrefix("./") || rest.hasPrefix("../") ? " (for the local path, write \(rest) without azureml:)" : ""
        throw .validation(
            field: field,
            message: "'\(path)' is \(what) in an Azure ML workspace or registry, which only the Azure ML service can resolve; SweepKit runs trials on this machine: give a local path (relative to the sweep file) or a URL\(hint)")
    }

    /// A URL (`https://...`, `wasbs://...`): passed on as written, not resolved against the file.
    static func isURI(_ path: String) -> Bool {
        guard let separator = path.firstRange(of: "://") else { return false }
        let scheme = path[..<separator.lowerBound]
        return !scheme.isEmpty && scheme.allSatisfy { (c: Character) -> Bool in c.isLetter || c.isNumber || c == "+" || c == "-" || c == "." }
    }

    /// `properties: {"sweepkit.<key>": "<JSON>"}` back to the key it stands for.
    private static func readExtensions(_ object: inout JSONObject) throws(SweepKitError) {
        guard case .object(var properties)? = object["properties"] else { return }
        for (key, value) in properties where key.hasPrefix("sweepkit.") {
            let field = "properties.\(key)"
            guard let text = value.string else { throw .validation(field: field, message: "must be JSON text, got \(value.typeName)") }
            let parsed: JSONValue
            do { parsed = try JSONValue(parsing: text) } catch {
                throw .validation(field: field, message: "must be JSON text: \(error)")
            }
            if key.hasPrefix(extensionSearchSpacePrefix) {
                let name = String(key.dropFirst(extensionSearchSpacePrefix.count))
                guard case .object(var space)? = object["search_space"], space[name] != nil else {
                    throw .validation(field: field, message: "the search space has no parameter '\(name)'")
                }
                space[name] = parsed
                object["search_space"] = .object(space)
            } else if extensionProperties.contains(key) {
                object[String(key.dropFirst("sweepkit.".count))] = parsed
            } else {
                throw .validation(field: field, message: "unknown SweepKit extension; expected \((extensionProperties + [extensionSearchSpacePrefix + "<name>"]).joined(separator: ", "))")
            }
            properties[key] = nil
        }
        object["properties"] = properties.isEmpty ? nil : .object(properties)
    }

    /// Sets `override.path` (dotted; a number indexes a list) to its value, creating the mappings
    /// on the way, as the Azure CLI's `--set` does. A path through a reference string is refused
    /// with the Azure CLI's message.
    private static func apply(_ override: (path: String, value: JSONValue), to object: inout JSONObject) throws(SweepKitError) {
        let keys = override.path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !override.path.isEmpty, !keys.contains(where: \.isEmpty) else {
            throw .validation(field: override.path, message: "--set needs a dotted path such as limits.max_total_trials, got '\(override.path)'")
        }
        func set(_ value: JSONValue, at keys: ArraySlice<String>, in container: JSONValue?) throws(SweepKitError) -> JSONValue {
            guard let key = keys.first else { return value }
            switch container {
            case nil, .null?:
                var fresh = JSONObject()
                fresh[key] = try set(value, at: keys.dropFirst(), in: nil)
                return .object(fresh)
            case .object(var mapping)?:
                mapping[key] = try set(value, at: keys.dropFirst(), in: mapping[key])
                return .object(mapping)
            case .array(var list)?:
                guard let index = Int(key), list.indices.contains(index) else {
                    throw .validation(field: override.path, message: "--set: '\(key)' is not an index of the list there (0..<\(list.count))")
                }
                list[index] = try set(value, at: keys.dropFirst(), in: list[index])
                return .array(list)
            case .string(_)?:
                throw .validation(field: override.path, message: "Cannot use '--set' on properties defined by reference strings: --set \(override.path)")
            case let other?:
                throw .validation(field: override.path, message: "--set: cannot set '\(key)' inside \(other.typeName)")
            }
        }
        guard case .object(let updated) = try set(override.value, at: keys[...], in: .object(object)) else { return }
        object = updated
    }
}
