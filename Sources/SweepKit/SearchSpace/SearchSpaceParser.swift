/// Reads a search space from its JSON forms, the two the Azure API uses:
/// - the wire form, `{"lr": ["uniform", [0.01, 0.1]], "b": ["choice", [[1, 2]]]}`;
/// - the YAML dict form, `{"lr": {"type": "uniform", "min_value": 0.01, "max_value": 0.1}}`.
/// Both may be mixed, also inside nested choices.
extension SearchSpace {
    public init(json: JSONValue, field: String = "search_space") throws(SweepKitError) {
        guard let object = json.object else {
            throw .validation(field: field, message: "expected a mapping of parameter names to expressions, got \(json.typeName)")
        }
        guard !object.isEmpty else {
            throw .validation(field: field, message: "the search space is empty; define at least one parameter")
        }
        var parameters: [Parameter] = []
        for (name, value) in object {
            let expression = try ParameterExpression(json: value, field: "\(field).\(name)")
            parameters.append(Parameter(name: name, expression: expression))
        }
        try self.init(parameters)
    }

    public init(jsonText: String) throws(SweepKitError) {
        try self.init(json: JSONValue(parsingInput: jsonText, field: "search_space"))
    }
}

extension ParameterExpression {
    /// The argument names of each type, in wire order (the YAML dict form uses them as keys).
    static let argumentNames: [String: [String]] = [
        "choice": ["values"], "randint": ["upper"],
        "uniform": ["min_value", "max_value"], "loguniform": ["min_value", "max_value"],
        "quniform": ["min_value", "max_value", "q"], "qloguniform": ["min_value", "max_value", "q"],
        "normal": ["mu", "sigma"], "lognormal": ["mu", "sigma"],
        "qnormal": ["mu", "sigma", "q"], "qlognormal": ["mu", "sigma", "q"],
    ]

    static let typeList = "choice, randint, uniform, loguniform, quniform, qloguniform, normal, lognormal, qnormal, qlognormal"

    /// Parses one expression; `SearchSpace.init` validates it (with its nested expressions).
    public init(json: JSONValue, field: String) throws(SweepKitError) {
        let (type, arguments) = try Self.typeAndArguments(json, field: field)
        self = try Self.build(type: type, arguments: arguments, field: field)
    }

    /// Splits either form into the type string and the positional arguments.
    private static func typeAndArguments(_ json: JSONValue, field: String) throws(SweepKitError) -> (String, [JSONValue]) {
        switch json {
        case .array(let wire):
            guard wire.count == 2, let type = wire[0].string, let arguments = wire[1].array else {
                throw .validation(field: field, message: "expected a parameter expression such as [\"uniform\", [0, 1]] or {type: uniform, min_value: 0, max_value: 1}")
            }
            let lowered = type.lowercased()
            guard let names = argumentNames[lowered] else {
                throw .validation(field: field, message: "unknown search space type '\(type)'; expected one of \(typeList)")
            }
            guard arguments.count == names.count else {
                throw .validation(field: field, message: "\(lowered) expects \(names.count) argument(s) [\(names.joined(separator: ", "))], got \(arguments.count)")
            }
            return (lowered, arguments)
        case .object(let dict):
            guard let typeValue = dict["type"] else {
                throw .validation(field: field, message: "missing 'type'; expected one of \(typeList)")
            }
            guard let type = typeValue.string?.lowercased(), let names = argumentNames[type] else {
                throw .validation(field: "\(field).type", message: "unknown search space type \(typeValue.jsonText); expected one of \(typeList)")
            }
            for key in dict.keys where key != "type" && !names.contains(key) {
                throw .validation(field: "\(field).\(key)", message: "unknown field for \(type); expected \(names.joined(separator: ", "))")
            }
            var arguments: [JSONValue] = []
            for name in names {
                guard let value = dict[name] else {
                    throw .validation(field: "\(field).\(name)", message: "missing data for required field of \(type)")
                }
                arguments.append(value)
            }
            return (type, arguments)
        default:
            throw .validation(field: field, message: "expected a parameter expression (a [type, [arguments]] list or a {type: ...} mapping), got \(json.typeName)")
        }
    }

    private static func build(type: String, arguments: [JSONValue], field: String) throws(SweepKitError) -> ParameterExpression {
        let names = argumentNames[type] ?? []
        func number(_ i: Int) throws(SweepKitError) -> Double {
            let value = arguments[i]
            guard case let n? = value.number else {
                throw .validation(field: "\(field).\(names[i])", message: "\(type) expects \(names[i]) to be a number, got \(value.typeName)")
            }
            guard n.isFinite else {
                throw .validation(field: "\(field).\(names[i])", message: "\(type) expects \(names[i]) to be finite, got \(value.jsonText)")
            }
            return n
        }
        switch type {
        case "choice":
            return .choice(try choiceOptions(arguments[0], field: field))
        case "randint":
            guard case .int(let upper) = arguments[0] else {
                if let n = arguments[0].number, n == n.rounded(), abs(n) < 0x1p62 { return .randint(upper: Int(n)) }
                throw .validation(field: "\(field).upper", message: "randint expects upper to be an integer, got \(arguments[0].jsonText)")
            }
            return .randint(upper: upper)
        case "uniform": return .uniform(min: try number(0), max: try number(1))
        case "loguniform": return .logUniform(min: try number(0), max: try number(1))
        case "quniform": return .qUniform(min: try number(0), max: try number(1), q: try number(2))
        case "qloguniform": return .qLogUniform(min: try number(0), max: try number(1), q: try number(2))
        case "normal": return .normal(mu: try number(0), sigma: try number(1))
        case "lognormal": return .logNormal(mu: try number(0), sigma: try number(1))
        case "qnormal": return .qNormal(mu: try number(0), sigma: try number(1), q: try number(2))
        default: return .qLogNormal(mu: try number(0), sigma: try number(1), q: try number(2))
        }
    }

    private static let choiceMessage =
        "choice expects non-empty single list, non-empty single range() or a positive number of arbitrary comma separated inputs."

    private static func choiceOptions(_ json: JSONValue, field: String) throws(SweepKitError) -> [ChoiceOption] {
        guard let values = json.array, !values.isEmpty else {
            throw .validation(field: "\(field).values", message: choiceMessage)
        }
        var options: [ChoiceOption] = []
        for (index, value) in values.enumerated() {
            let optionField = "\(field).values[\(index)]"
            switch value {
            case .null:
                throw .validation(field: optionField, message: "choice values must be numbers, strings, booleans, lists or mappings, got null")
            case .double(let d) where !d.isFinite:
                throw .validation(field: optionField, message: "choice values must be finite, got \(value.jsonText)")
            case .object(let dict):
                var entries: [ChoiceOption.NestedEntry] = []
                for (key, nested) in dict {
                    let content: ChoiceOption.NestedEntry.Content
                    if looksLikeExpression(nested) {
                        content = .expression(try ParameterExpression(json: nested, field: "\(optionField).\(key)"))
                    } else {
                        content = .literal(nested)
                    }
                    entries.append(.init(key: key, content: content))
                }
                options.append(.nested(entries))
            default:
                options.append(.literal(value))
            }
        }
        return options
    }

    /// Inside a choice option's mapping, a value is a nested expression when it has either form;
    /// anything else is a literal passed through to the trial.
    private static func looksLikeExpression(_ json: JSONValue) -> Bool {
        switch json {
        case .array(let wire):
            return wire.count == 2 && wire[1].array != nil && argumentNames[wire[0].string?.lowercased() ?? ""] != nil
        case .object(let dict):
            return argumentNames[dict["type"]?.string?.lowercased() ?? ""] != nil
        default:
            return false
        }
    }
}
