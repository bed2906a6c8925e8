#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit

/// How the report, the trial table and the importance see one flat parameter (`lr`,
/// `model.depth`): its scale (log for log-scale expressions, categories for choices), its bounds,
/// and the coordinate of a value in the unit interval under the search space's own distribution
/// (the inverse of the sampler's mapping: what the importance's variance decomposition integrates over).
public struct ReportParameter: Sendable, Equatable {
    public enum Scale: String, Sendable {
        case linear, log, integer, category
    }

    public let name: String
    public let scale: Scale
    /// The expression as written (`loguniform(-9.21, -2.3)`), when the space has one for this name.
    public let expression: String?
    /// A categorical parameter's values as labels: the choice's order, then values seen in trials.
    public internal(set) var categories: [String]
    /// The expression's bounds in value units (nil when unbounded, e.g. normal).
    public let lower: Double?
    public let upper: Double?
    /// The expressions that can produce this name (one, unless conditional options share a key).
    let sources: [ParameterExpression]
    let logBase: Double

    /// A value's label as a category (strings as they are, anything else as JSON).
    public static func label(_ value: JSONValue) -> String {
        value.string ?? value.jsonText
    }

    /// The unit-interval coordinate of `value` under the parameter's distribution: its CDF for
    /// continuous expressions, the cell centre for randint and categories. Nil when the value is
    /// missing or not what the expression gives.
    func coordinate(_ value: JSONValue) -> Double? {
        if scale == .category {
            guard let index = categories.firstIndex(of: Self.label(value)) else { return nil }
            return (Double(index) + 0.5) / Double(categories.count)
        }
        guard let v = value.number, v.isFinite, sources.count == 1 else { return nil }
        let unit: Double
        switch sources[0] {
        case .uniform(let lo, let hi), .qUniform(let lo, let hi, _):
            unit = (v - lo) / (hi - lo)
        case .logUniform(let lo, let hi), .qLogUniform(let lo, let hi, _):
            guard v > 0 else { return 0 }
            unit = (log(v) / log(logBase) - lo) / (hi - lo)
        case .normal(let mu, let sigma), .qNormal(let mu, let sigma, _):
            unit = Self.normalCDF((v - mu) / sigma)
        case .logNormal(let mu, let sigma), .qLogNormal(let mu, let sigma, _):
            guard v > 0 else { return 0 }
            unit = Self.normalCDF((log(v) - mu) / sigma)
        case .randint(let upper):
            unit = (v + 0.5) / Double(upper)
        case .choice:
            return nil
        }
        return unit.isFinite ? min(max(unit, 0), 1) : nil
    }

    static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    public var json: JSONValue {
        var object: JSONObject = ["name": .string(name), "scale": .string(scale.rawValue)]
        if let expression { object["expression"] = .string(expression) }
        if scale == .category { object["categories"] = .array(categories.map(JSONValue.string)) }
        if let lower, lower.isFinite { object["lower"] = .double(lower) }
        if let upper, upper.isFinite { object["upper"] = .double(upper) }
        return .object(object)
    }
}

/// The flat parameters of a job: every name the search space can produce (in the space's order),
/// then any other name its trials have.
public enum ReportParameters {
    /// A flat name and what can produce it: an expression, or a literal (a choice option).
    enum Source {
        case expression(ParameterExpression)
        case literal(JSONValue)
    }

    public static func describe(space: SearchSpace?, logBase: Double?, trials: [JobState.TrialRecord]) -> [ReportParameter] {
        var order: [String] = []
        var sources: [String: [Source]] = [:]
        func add(_ name: String, _ source: Source) {
            if sources[name] == nil { order.append(name); sources[name] = [] }
            sources[name]?.append(source)
        }
        func addLiteral(_ name: String, _ value: JSONValue) {
            if case .object(let object) = value {
                for (key, nested) in object { addLiteral("\(name).\(key)", nested) }
            } else {
                add(name, .literal(value))
            }
        }
        func visit(_ name: String, _ expression: ParameterExpression) {
            guard case .choice(let options) = expression else { return add(name, .expression(expression)) }
            for option in options {
                switch option {
                case .literal(let value):
                    addLiteral(name, value)
                case .nested(let entries):
                    for entry in entries {
                        switch entry.content {
                        case .literal(let value): addLiteral("\(name).\(entry.key)", value)
                        case .expression(let inner): visit("\(name).\(entry.key)", inner)
                        }
                    }
                }
            }
        }
        for parameter in space?.parameters ?? [] { visit(parameter.name, parameter.expression) }
        var observed: [String: [JSONValue]] = [:]
        for trial in trials {
            for (name, value) in trial.flatParams {
                if sources[name] == nil { order.append(name); sources[name] = [] }
                observed[name, default: []].append(value)
            }
        }
        let base = logBase ?? SearchSpace.naturalLogBase
        return order.map { name in
            parameter(name, sources: sources[name] ?? [], observed: observed[name] ?? [], logBase: base)
        }
    }

    private static func parameter(_ name: String, sources: [Source], observed: [JSONValue], logBase: Double) -> ReportParameter {
        var expressions: [ParameterExpression] = []
        var literals: [JSONValue] = []
        for source in sources {
            switch source {
            case .expression(let e): if !expressions.contains(e) { expressions.append(e) }
            case .literal(let v): literals.append(v)
            }
        }
        let allNumbers = observed.allSatisfy { $0.number != nil }
        if expressions.count == 1, literals.isEmpty, let expression = expressions.first, allNumbers {
            let (scale, lower, upper) = shape(expression, logBase: logBase)
            return ReportParameter(name: name, scale: scale, expression: label(expression), categories: [], lower: lower,
                                   upper: upper, sources: expressions, logBase: logBase)
        }
        if expressions.isEmpty, !literals.isEmpty || !allNumbers || observed.isEmpty {
            var categories: [String] = []
            for value in literals + observed where !categories.contains(ReportParameter.label(value)) {
                categories.append(ReportParameter.label(value))
            }
            return ReportParameter(name: name, scale: .category, expression: literals.isEmpty ? nil : "choice",
                                   categories: categories, lower: nil, upper: nil, sources: [], logBase: logBase)
        }
        if allNumbers {
            // Several expressions share the name (conditional options): numbers on a common axis.
            let log = expressions.allSatisfy { shape($0, logBase: logBase).0 == .log }
            return ReportParameter(name: name, scale: log ? .log : .linear, expression: nil, categories: [], lower: nil,
                                   upper: nil, sources: [], logBase: logBase)
        }
        var categories: [String] = []
        for value in literals + observed where !categories.contains(ReportParameter.label(value)) {
            categories.append(ReportParameter.label(value))
        }
        return ReportParameter(name: name, scale: .category, expression: nil, categories: categories, lower: nil, upper: nil,
                               sources: [], logBase: logBase)
    }

    private static func shape(_ expression: ParameterExpression, logBase: Double) -> (ReportParameter.Scale, Double?, Double?) {
        func power(_ x: Double) -> Double { pow(logBase, x) }
        switch expression {
        case .uniform(let lo, let hi), .qUniform(let lo, let hi, _): return (.linear, lo, hi)
        case .logUniform(let lo, let hi), .qLogUniform(let lo, let hi, _): return (.log, power(lo), power(hi))
        case .normal, .qNormal: return (.linear, nil, nil)
        case .logNormal, .qLogNormal: return (.log, nil, nil)
        case .randint(let upper): return (.integer, 0, Double(upper - 1))
        case .choice: return (.category, nil, nil)
        }
    }

    /// `loguniform(-9.21, -2.3)`: the expression's type and arguments as written.
    static func label(_ expression: ParameterExpression) -> String {
        func n(_ x: Double) -> String { JSONValue.double(x).jsonText }
        let arguments: [String]
        switch expression {
        case .uniform(let a, let b), .logUniform(let a, let b): arguments = [n(a), n(b)]
        case .qUniform(let a, let b, let q), .qLogUniform(let a, let b, let q): arguments = [n(a), n(b), n(q)]
        case .normal(let a, let b), .logNormal(let a, let b): arguments = [n(a), n(b)]
        case .qNormal(let a, let b, let q), .qLogNormal(let a, let b, let q): arguments = [n(a), n(b), n(q)]
        case .randint(let upper): arguments = [String(upper)]
        case .choice(let options): arguments = ["\(options.count) options"]
        }
        return "\(expression.typeName)(\(arguments.joined(separator: ", ")))"
    }
}
