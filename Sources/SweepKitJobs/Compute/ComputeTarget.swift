import SweepKit

/// A named compute target registered in a workspace, as `az ml compute create` registers one in
/// an Azure ML workspace: a job that says `compute: <name>` runs its trials there.
///
/// ```yaml
/// name: aml-cluster
/// type: slurm                 # local | ray | slurm
/// shared_dir: /shared/sweeps  # slurm: a folder the submitting machine and every node see
/// partition: gpu              # slurm, optional; also account and sbatch_options
/// ```
///
/// `local` is this machine, optionally with a list of GPUs (`gpus: [0, 1]` or `gpus: 2`) that
/// trials get slices of; `ray` is a Ray cluster's dashboard (`address: http://head:8265`, optional
/// `token`). Azure's own keys of a compute file (`size`, `min_instances`, `location`, ...) are
/// accepted and ignored; `max_instances` bounds the trials the compute runs at once.
public struct ComputeTarget: Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case local, ray, slurm
    }

    public var name: String
    public var kind: Kind
    public var description: String?
    public var tags: JSONObject
    /// At most this many trials on the compute at once (nil: no bound of its own).
    public var maxInstances: Int?

    /// local: GPU ids trials get slices of (`CUDA_VISIBLE_DEVICES`); CPUs and memory shared by
    /// trials (nil: this machine's).
    public var gpus: [String]
    public var cpus: Int?
    public var memoryBytes: Int64?

    /// ray: the dashboard's address (`http://host:8265`) and an optional bearer token.
    public var address: String?
    public var token: String?

    /// slurm: the folder every node sees (trial folders, logs, batch scripts), and what goes on
    /// each `sbatch` command line.
    public var sharedDirectory: String?
    public var partition: String?
    public var account: String?
    public var sbatchOptions: [String]

    /// The keys a compute file may have: ours, then Azure's (accepted, ignored).
    static let ownKeys = ["name", "type", "description", "tags", "max_instances", "gpus", "cpus", "memory", "address", "token",
                          "shared_dir", "partition", "account", "sbatch_options"]
    static let azureKeys = ["$schema", "id", "size", "min_instances", "idle_time_before_scale_down", "location", "tier",
                            "identity", "ssh_public_access_enabled", "ssh_settings", "network_settings", "resource_id",
                            "enable_node_public_ip", "provisioning_state", "created_on"]
    /// Options SweepKit sets on every `sbatch` itself.
    static let reservedSbatchOptions = ["--job-name", "-J", "--output", "-o", "--error", "-e", "--chdir", "-D", "--wrap",
                                        "--export", "--parsable", "--open-mode"]

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
        tags = JSONObject()
        gpus = []
        sbatchOptions = []
    }

    /// Reads and checks a compute definition (a compute file's mapping, or the JSON of
    /// `begin_create_or_update`); relative `shared_dir` is taken from the current directory.
    public init(json: JSONValue) throws(SweepKitError) {
        guard let object = json.object else {
            throw .validation(field: "", message: "a compute must be a mapping, got \(json.typeName)")
        }
        for key in object.keys where !Self.ownKeys.contains(key) && !Self.azureKeys.contains(key) {
            throw .validation(field: key, message: "Unknown field.")
        }
        guard let name = object["name"]?.string else { throw .validation(field: "name", message: "Missing data for required field.") }
        try SweepJobSpec.validateName(name, field: "name")
        guard let typeName = object["type"]?.string else {
            throw .validation(field: "type", message: "Missing data for required field: local, ray or slurm")
        }
        guard let kind = Kind(rawValue: typeName.lowercased()) else {
            throw .validation(field: "type", message: "'\(typeName)' is not a compute type SweepKit runs trials on: local, ray or slurm")
        }
        self.init(name: name, kind: kind)
        description = try Self.string(object, "description")
        tags = object["tags"]?.object ?? JSONObject()
        if let value = object["max_instances"], !value.isNull {
            guard case .int(let count) = value, count >= 1 else {
                throw .validation(field: "max_instances", message: "must be a positive integer, got \(value.jsonText)")
            }
            maxInstances = count
        }
        let allowed: [Kind: [String]] = [
            .local: ["gpus", "cpus", "memory"], .ray: ["address", "token"],
            .slurm: ["shared_dir", "partition", "account", "sbatch_options"],
        ]
        for key in ["gpus", "cpus", "memory", "address", "token", "shared_dir", "partition", "account", "sbatch_options"]
        where object[key] != nil && object[key] != .null && !(allowed[kind] ?? []).contains(key) {
            throw .validation(field: key, message: "not a setting of a \(kind.rawValue) compute")
        }
        switch kind {
        case .local: try readLocal(object)
        case .ray: try readRay(object)
        case .slurm: try readSlurm(object)
        }
    }

    private mutating func readLocal(_ object: JSONObject) throws(SweepKitError) {
        switch object["gpus"] {
        case nil, .null?:
            break
        case .int(let count)?:
            guard count >= 0, count <= 1024 else { throw .validation(field: "gpus", message: "must be a GPU count or a list of GPU ids, got \(count)") }
            gpus = (0..<count).map(String.init)
        case .string(let list)?:
            gpus = list.split(separator: ",").map { String($0).trimmingWhitespace }.filter { !$0.isEmpty }
        case .array(let items)?:
            for item in items {
                switch item {
                case .int(let id) where id >= 0: gpus.append(String(id))
                case .string(let id) where !id.isEmpty && !id.contains(","): gpus.append(id)
                default: throw .validation(field: "gpus", message: "GPU ids are numbers or names (UUIDs), got \(item.jsonText)")
                }
            }
        case let other?:
            throw .validation(field: "gpus", message: "must be a GPU count or a list of GPU ids, got \(other.typeName)")
        }
        if Set(gpus).count != gpus.count { throw .validation(field: "gpus", message: "lists a GPU twice: \(gpus.joined(separator: ","))") }
        if let value = object["cpus"], !value.isNull {
            guard case .int(let count) = value, count >= 1 else { throw .validation(field: "cpus", message: "must be a positive integer, got \(value.jsonText)") }
            cpus = count
        }
        if let value = object["memory"], !value.isNull { memoryBytes = try TrialResources.memory(value, field: "memory") }
    }

    private mutating func readRay(_ object: JSONObject) throws(SweepKitError) {
        guard let address = try Self.string(object, "address") else {
            throw .validation(field: "address", message: "Missing data for required field: the Ray dashboard's address, e.g. http://127.0.0.1:8265")
        }
        var trimmed = address
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard trimmed.hasPrefix("http://"), trimmed.count > 7 else {
            throw .validation(field: "address", message: "expected the Ray dashboard's http:// address (e.g. http://127.0.0.1:8265), got '\(address)'; https dashboards are not supported yet")
        }
        self.address = trimmed
        token = try Self.string(object, "token").flatMap { $0.isEmpty ? nil : $0 }
    }

    private mutating func readSlurm(_ object: JSONObject) throws(SweepKitError) {
        guard let shared = try Self.string(object, "shared_dir"), !shared.isEmpty else {
            throw .validation(field: "shared_dir", message: "Missing data for required field: a folder this machine and every node of the cluster see (trial folders, logs and batch scripts go there)")
        }
        sharedDirectory = FileSystem.absolute(shared)
        partition = try Self.string(object, "partition").flatMap { $0.isEmpty ? nil : $0 }
        account = try Self.string(object, "account").flatMap { $0.isEmpty ? nil : $0 }
        switch object["sbatch_options"] {
        case nil, .null?:
            break
        case .string(let text)?:
            sbatchOptions = text.split(separator: " ").map(String.init)
        case .array(let items)?:
            for item in items {
                guard let option = item.string, !option.isEmpty else {
                    throw .validation(field: "sbatch_options", message: "must be a list of sbatch options, got \(item.jsonText)")
                }
                sbatchOptions.append(option)
            }
        case let other?:
            throw .validation(field: "sbatch_options", message: "must be a list of sbatch options, got \(other.typeName)")
        }
        for option in sbatchOptions {
            guard option.hasPrefix("-") else {
                throw .validation(field: "sbatch_options", message: "'\(option)' is not an sbatch option (write --qos=normal, not --qos normal)")
            }
            let key = String(option.split(separator: "=", maxSplits: 1).first ?? "")
            if Self.reservedSbatchOptions.contains(key) {
                throw .validation(field: "sbatch_options", message: "SweepKit sets \(key) on every trial itself")
            }
        }
    }

    private static func string(_ object: JSONObject, _ key: String) throws(SweepKitError) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw .validation(field: key, message: "must be a string, got \(other.typeName)")
        }
    }

    /// The canonical form (what the registry stores). `redacted` replaces the token, for anything
    /// shown to a user.
    public func json(redacted: Bool = false) -> JSONValue {
        var object: JSONObject = ["name": .string(name), "type": .string(kind.rawValue)]
        if let description { object["description"] = .string(description) }
        if !tags.isEmpty { object["tags"] = .object(tags) }
        if let maxInstances { object["max_instances"] = .int(maxInstances) }
        switch kind {
        case .local:
            if !gpus.isEmpty { object["gpus"] = .array(gpus.map { Int($0).map(JSONValue.int) ?? .string($0) }) }
            if let cpus { object["cpus"] = .int(cpus) }
            if let memoryBytes { object["memory"] = .string(TrialResources.memoryText(memoryBytes)) }
        case .ray:
            object["address"] = .string(address ?? "")
            if let token { object["token"] = .string(redacted ? "***" : token) }
        case .slurm:
            object["shared_dir"] = .string(sharedDirectory ?? "")
            if let partition { object["partition"] = .string(partition) }
            if let account { object["account"] = .string(account) }
            if !sbatchOptions.isEmpty { object["sbatch_options"] = .array(sbatchOptions.map(JSONValue.string)) }
        }
        return .object(object)
    }

    /// The implicit compute of a job whose compute is `local`, absent, or not registered: this
    /// machine, with no GPUs known.
    public static let thisMachine = ComputeTarget(name: "local", kind: .local)

    /// Checks that a job can run here: the trials of a Ray cluster must reach the tracking store
    /// over the network; on Slurm a SQLite store must be in the shared folder; the resources a
    /// trial needs must fit the compute. The message names the job's field.
    public func check(_ spec: SweepJobSpec) throws(SweepKitError) {
        let uri = spec.trackingURI
        let remoteStore = uri == "none" || uri.hasPrefix("http://") || uri.hasPrefix("https://")
        switch kind {
        case .ray:
            guard remoteStore else {
                throw .validation(field: "tracking_uri", message: "trials on the Ray compute '\(name)' cannot reach the local store '\(uri)': set MLFLOW_TRACKING_URI to an MLflow tracking server (http:// or https://)")
            }
        case .slurm:
            if !remoteStore, let shared = sharedDirectory {
                let path = String(uri.dropFirst("sqlite:///".count))
                guard FileSystem.absolute(path).hasPrefix(shared.hasSuffix("/") ? shared : shared + "/") else {
                    throw .validation(field: "tracking_uri", message: "trials on the Slurm compute '\(name)' cannot reach '\(uri)': put the SQLite store in its shared folder (sqlite:///\(shared)/mlflow.db) or use an MLflow tracking server")
                }
            }
        case .local:
            if let resources = spec.resources {
                if let wanted = resources.gpus, wanted > gpus.count {
                    let how = gpus.isEmpty
                        ? "it has no GPUs registered (sweepkit compute create --name \(name) --type local --gpus 0,1)"
                        : "it has \(gpus.count) (\(gpus.joined(separator: ",")))"
                    throw .validation(field: "resources.gpus", message: "each trial needs \(wanted) GPU(s) but the compute '\(name)' cannot give them: \(how)")
                }
                if let wanted = resources.cpus, let cpus, wanted > Double(cpus) {
                    throw .validation(field: "resources.cpus", message: "each trial needs \(CommandTemplate.pythonRepr(wanted)) CPUs but the compute '\(name)' has \(cpus)")
                }
                if let wanted = resources.memoryBytes, let memoryBytes, wanted > memoryBytes {
                    throw .validation(field: "resources.memory", message: "each trial needs \(TrialResources.memoryText(wanted)) but the compute '\(name)' has \(TrialResources.memoryText(memoryBytes))")
                }
            }
        }
    }
}
