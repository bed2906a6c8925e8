/// Writes a search space back in either of its JSON forms; `SearchSpace(json:)` reads both, so
/// wire → space → YAML dict → space round-trips.
extension SearchSpace {
    public enum Form: Sendable {
        /// `["uniform", [0.1, 1]]`, what the REST API and the engine's spec use.
        case wire
        /// `{"type": "uniform", "min_value": 0.1, "max_value": 1}`, what sweep YAML files use.
        case yaml
    }

    public func json(form: Form = .wire) -> JSONValue {
        .object(JSONObject(parameters.map { (key: $0.name, value: $0.expression.json(form: form)) }))
    }
}

extension ParameterExpression {
    public func json(form: SearchSpace.Form = .wire) -> JSONValue {
        let arguments: [JSONValue]
        switch self {
        case .choice(let options): arguments = [.array(options.map { $0.json(form: form) })]
        case .randint(let upper): arguments = [.int(upper)]
        case .uniform(let a, let b), .logUniform(let a, let b): arguments = [Self.number(a), Self.number(b)]
        case .normal(let a, let b), .logNormal(let a, let b): arguments = [Self.number(a), Self.number(b)]
        case .qUniform(let a, let b, let q), .qLogUniform(let a, let b, let q),
            .qNormal(let a, let b, let q), .qLogNormal(let a, let b, let q):
            arguments = [Self.number(a), Self.number(b), Self.number(q)]
        }
        switch form {
        case .wire:
            return .array([.string(typeName), .array(arguments)])
        case .yaml:
            var object = JSONObject([(key: "type", value: .string(typeName))])
            for (name, argument) in zip(Self.argumentNames[typeName] ?? [], arguments) { object[name] = argument }
            return .object(object)
        }
    }

    /// Integral values are written as integers so that `QUniform(1, 10, 2)` stays `[1, 10, 2]`.
    public static func number(_ x: Double) -> JSONValue {
        x == x.rounded() && abs(x) < 0x1p53 ? .int(Int(x)) : .double(x)
    }
}

extension ChoiceOption {
    func json(form: SearchSpace.Form) -> JSONValue {
        switch self {
        case .literal(let value):
            return value
        case .nested(let entries):
            return .object(JSONObject(entries.map { entry in
                switch entry.content {
                case .literal(let value): return (key: entry.key, value: value)
                case .expression(let expression): return (key: entry.key, value: expression.json(form: form))
                }
            }))
        }
    }
}
