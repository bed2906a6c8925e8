/// One training run of a sweep: its hyperparameters and what became of it.
public struct Trial: Sendable, Equatable {
    /// 0-based, in the order trials were asked.
    public let number: Int
    /// Parameter values by name; a conditional choice gives a nested mapping.
    public let params: JSONObject
    /// The unit-cube point the sampler proposed (what samplers learn from).
    public let point: [Double]
    public internal(set) var state: TrialState
    /// The objective value of a completed trial.
    public internal(set) var value: Double?
    /// Why a trial failed or was canceled.
    public internal(set) var message: String?

    /// Parameters with nested mappings flattened to dotted names (`cond.kernel`), the form
    /// used for command-line substitution, environment variables and MLflow params.
    public var flatParams: JSONObject { Self.flatten(params) }

    /// `params` with nested mappings flattened to dotted names.
    public static func flatten(_ params: JSONObject) -> JSONObject {
        var flat = JSONObject()
        func add(_ prefix: String, _ value: JSONValue) {
            if case .object(let object) = value {
                for (key, nested) in object { add("\(prefix).\(key)", nested) }
            } else {
                flat[prefix] = value
            }
        }
        for (name, value) in params {
            if case .object = value { add(name, value) } else { flat[name] = value }
        }
        return flat
    }

    public var json: JSONValue {
        var object: JSONObject = [
            "number": .int(number), "state": .string(state.rawValue), "params": .object(params),
        ]
        let flat = flatParams
        if flat != params { object["flat_params"] = .object(flat) }
        object["value"] = value.map { JSONValue.double($0) } ?? .null
        if let message { object["message"] = .string(message) }
        return .object(object)
    }
}
