#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which sampler a sweep uses and how it is configured: the `sampling_algorithm` of a sweep spec.
///
/// Accepted JSON forms (as in the Azure API, case-insensitive type names):
/// `"random"`, `"grid"`, `"bayesian"`, a plugin's name, or an object
/// `{"type": "random", "seed": 42, "rule": "sobol", "logbase": "e"}`.
public struct SamplingAlgorithm: Equatable, Sendable {
    public var type: String
    /// `random` or `sobol`, for `type == "random"` only.
    public var rule: String?
    public var seed: Int?
    /// The base of log expressions (`b ** Uniform(min, max)`); `nil` means e.
    public var logBase: Double?
    /// Any further keys, passed to plugin samplers as their configuration.
    public var options: JSONObject

    public init(type: String, rule: String? = nil, seed: Int? = nil, logBase: Double? = nil, options: JSONObject = JSONObject()) {
        self.type = type.lowercased()
        self.rule = rule?.lowercased()
        self.seed = seed
        self.logBase = logBase
        self.options = options
    }

    public static let grid = SamplingAlgorithm(type: "grid")
    public static let bayesian = SamplingAlgorithm(type: "bayesian")
    public static func random(seed: Int? = nil) -> SamplingAlgorithm { .init(type: "random", rule: "random", seed: seed) }
    public static func sobol(seed: Int? = nil) -> SamplingAlgorithm { .init(type: "random", rule: "sobol", seed: seed) }

    /// The registry name of the sampler: the rule for `random`, the type otherwise.
    public var samplerName: String {
        type == "random" ? (rule ?? "random") : type
    }

    public init(json: JSONValue?, field: String = "sampling_algorithm") throws(SweepKitError) {
        switch json {
        case nil, .null?:
            self = .random()
        case .string(let name)?:
            guard !name.isEmpty else { throw .validation(field: field, message: "unsupported sampling algorithm: ''") }
            self.init(type: name)
            if type == "random" { rule = "random" }
        case .object(let object)?:
            guard let type = object["type"]?.string, !type.isEmpty else {
                throw .validation(field: "\(field).type", message: "missing data for required field; expected random, grid, bayesian or a plugin sampler's name")
            }
            var options = object
            options["type"] = nil
            self.init(type: type)
            if let ruleValue = options["rule"] {
                guard let rule = ruleValue.string?.lowercased(), ["random", "sobol"].contains(rule) else {
                    throw .validation(field: "\(field).rule", message: "Value \(ruleValue.jsonText) passed is not in set ['random', 'sobol']")
                }
                guard self.type == "random" else {
                    throw .validation(field: "\(field).rule", message: "rule applies to the random sampling algorithm only, not to \(self.type)")
                }
                self.rule = rule
                options["rule"] = nil
            } else if self.type == "random" {
                self.rule = "random"
            }
            if let seedValue = options["seed"] {
                guard case .int(let seed) = seedValue else {
                    throw .validation(field: "\(field).seed", message: "seed must be an integer, got \(seedValue.jsonText)")
                }
                self.seed = seed
                options["seed"] = nil
            }
            if let baseValue = options["logbase"] {
                logBase = try Self.parseLogBase(baseValue, field: "\(field).logbase")
                options["logbase"] = nil
            }
            self.options = options
        case let other?:
            throw .validation(field: field, message: "expected a name such as \"random\" or an object {type: random, seed: 1, rule: sobol}, got \(other.typeName)")
        }
    }

    private static func parseLogBase(_ value: JSONValue, field: String) throws(SweepKitError) -> Double? {
        if case .null = value { return nil }
        if let text = value.string?.lowercased(), text == "e" { return nil }
        guard let base = value.number ?? value.string.flatMap({ Double($0) }), base.isFinite, base > 0, base != 1 else {
            throw .validation(field: field, message: "logbase must be a positive number other than 1, or \"e\", got \(value.jsonText)")
        }
        return base
    }

    public var json: JSONValue {
        var object = JSONObject([(key: "type", value: .string(type))])
        if let rule { object["rule"] = .string(rule) }
        if let seed { object["seed"] = .int(seed) }
        if let logBase { object["logbase"] = .double(logBase) }
        for entry in options { object[entry.key] = entry.value }
        return .object(object)
    }
}
