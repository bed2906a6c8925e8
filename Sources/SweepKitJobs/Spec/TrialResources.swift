import SweepKit

/// What each trial of a job needs (`resources` of the job, else of its trial): CPUs, GPUs and
/// memory, as Ray Tune's resources per trial. Every compute honours them: Ray as the job's
/// `entrypoint_num_cpus/gpus/memory`, Slurm as `--cpus-per-task`, `--gres=gpu:N` and `--mem`, and
/// `local` by giving each trial its own GPUs (`CUDA_VISIBLE_DEVICES`) and running only as many
/// trials at once as the CPUs, GPUs and memory allow.
///
/// ```yaml
/// resources: {cpus: 2, gpus: 1, memory: 8G}
/// ```
///
/// Azure's keys of a job's resources (`instance_type`, `instance_count`, `shm_size`, ...) are
/// accepted and kept, and mean nothing here.
public struct TrialResources: Equatable, Sendable {
    public var cpus: Double?
    public var gpus: Int?
    public var memoryBytes: Int64?
    /// Azure's keys, as given.
    public var azure: JSONObject

    static let ownKeys = ["cpus", "gpus", "memory"]
    static let azureKeys = ["instance_type", "instance_count", "locations", "properties", "docker_args", "shm_size",
                            "max_instance_count"]

    public init(cpus: Double? = nil, gpus: Int? = nil, memoryBytes: Int64? = nil) {
        self.cpus = cpus
        self.gpus = gpus
        self.memoryBytes = memoryBytes
        azure = JSONObject()
    }

    /// nil for an absent or empty `resources`.
    init?(json: JSONValue?, field: String) throws(SweepKitError) {
        guard let json, !json.isNull else { return nil }
        guard let object = json.object else {
            throw .validation(field: field, message: "must be a mapping such as {cpus: 2, gpus: 1, memory: 8G}, got \(json.typeName)")
        }
        self.init()
        for (key, value) in object {
            switch key {
            case "cpus":
                guard let count = value.number, count > 0, count <= 100_000 else {
                    throw .validation(field: "\(field).cpus", message: "must be a positive number, got \(value.jsonText)")
                }
                cpus = count
            case "gpus":
                guard case .int(let count) = value, count >= 0, count <= 1024 else {
                    throw .validation(field: "\(field).gpus", message: "must be a whole number of GPUs, got \(value.jsonText)")
                }
                gpus = count == 0 ? nil : count
            case "memory":
                memoryBytes = try Self.memory(value, field: "\(field).memory")
            default:
                guard Self.azureKeys.contains(key) else { throw .validation(field: "\(field).\(key)", message: "Unknown field.") }
                azure[key] = value
            }
        }
        if cpus == nil && gpus == nil && memoryBytes == nil && azure.isEmpty { return nil }
    }

    /// `8G`, `512M`, `1.5G`, `2Gi`, `4096MB` (powers of 1024) or a number of bytes.
    static func memory(_ value: JSONValue, field: String) throws(SweepKitError) -> Int64 {
        let bytes: Double
        switch value {
        case .int(let count):
            bytes = Double(count)
        case .string(let text):
            var digits = text.trimmingWhitespace.uppercased()
            for suffix in ["IB", "B"] where digits.hasSuffix(suffix) && digits.count > suffix.count {
                digits.removeLast(suffix.count)
                break
            }
            let units: [Character: Double] = ["K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776]
            var scale = 1.0
            if let last = digits.last, let unit = units[last] {
                scale = unit
                digits.removeLast()
            }
            guard let number = Double(digits), number.isFinite else {
                throw .validation(field: field, message: "expected an amount such as 8G or 512M, got '\(text)'")
            }
            bytes = number * scale
        default:
            throw .validation(field: field, message: "expected an amount such as 8G or 512M, got \(value.jsonText)")
        }
        guard bytes >= 1_048_576, bytes < 1e18 else {
            throw .validation(field: field, message: "\(value.jsonText) is not a trial's memory (at least 1M; a plain number counts bytes: write 4096M for 4096 MB)")
        }
        return Int64(bytes)
    }

    /// The shortest exact spelling: `8G`, `1536M`, `1048577`.
    static func memoryText(_ bytes: Int64) -> String {
        for (unit, size) in [("T", Int64(1_099_511_627_776)), ("G", 1_073_741_824), ("M", 1_048_576), ("K", 1024)]
        where bytes % size == 0 {
            return "\(bytes / size)\(unit)"
        }
        return String(bytes)
    }

    /// Memory in whole MiB, rounded up (Slurm's `--mem` unit).
    public var memoryMegabytes: Int64? { memoryBytes.map { ($0 + 1_048_575) / 1_048_576 } }

    var json: JSONValue {
        var object = JSONObject()
        if let cpus { object["cpus"] = cpus.rounded() == cpus ? .int(Int(cpus)) : .double(cpus) }
        if let gpus { object["gpus"] = .int(gpus) }
        if let memoryBytes { object["memory"] = .string(Self.memoryText(memoryBytes)) }
        for (key, value) in azure { object[key] = value }
        return .object(object)
    }
}
