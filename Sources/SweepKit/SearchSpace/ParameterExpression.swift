#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One parameter expression of the Azure sweep API, with its documented semantics.
///
/// Every expression maps a point of the unit cube to a value (`value(at:)`): samplers only ever
/// produce unit-cube coordinates, and this file is the one place that turns them into values.
/// Continuous expressions use one coordinate through their inverse CDF; `choice` and `randint` use
/// one coordinate split into equal cells; a `choice` whose options are mappings of nested
/// expressions also owns the coordinates of every nested expression (used only when that option is
/// picked), so conditional spaces have a fixed dimension.
public indirect enum ParameterExpression: Equatable, Sendable {
    case choice([ChoiceOption])
    /// An integer in [0, upper).
    case randint(upper: Int)
    case uniform(min: Double, max: Double)
    /// exp(Uniform(min, max)): the bounds are exponents.
    case logUniform(min: Double, max: Double)
    /// round(Uniform(min, max) / q) * q
    case qUniform(min: Double, max: Double, q: Double)
    /// round(exp(Uniform(min, max)) / q) * q
    case qLogUniform(min: Double, max: Double, q: Double)
    case normal(mu: Double, sigma: Double)
    /// exp(Normal(mu, sigma))
    case logNormal(mu: Double, sigma: Double)
    /// round(Normal(mu, sigma) / q) * q
    case qNormal(mu: Double, sigma: Double, q: Double)
    /// round(exp(Normal(mu, sigma)) / q) * q
    case qLogNormal(mu: Double, sigma: Double, q: Double)

    /// The wire/YAML type string (`"quniform"`, ...).
    public var typeName: String {
        switch self {
        case .choice: return "choice"
        case .randint: return "randint"
        case .uniform: return "uniform"
        case .logUniform: return "loguniform"
        case .qUniform: return "quniform"
        case .qLogUniform: return "qloguniform"
        case .normal: return "normal"
        case .logNormal: return "lognormal"
        case .qNormal: return "qnormal"
        case .qLogNormal: return "qlognormal"
        }
    }

    /// How many unit-cube coordinates this expression owns (its own plus nested ones).
    public var dimension: Int {
        guard case .choice(let options) = self else { return 1 }
        return 1 + options.reduce(0) { $0 + $1.nestedDimension }
    }

    /// The value at unit-cube coordinates `point[offset ..< offset + dimension]`.
    /// `logBase` is `RandomSamplingAlgorithm(logbase=)`: log expressions use `logBase ** Uniform`.
    func value(at point: UnsafeBufferPointer<Double>, offset: Int, logBase: Double) -> JSONValue {
        let u = point[offset]
        switch self {
        case .choice(let options):
            let index = Self.cell(u, count: options.count)
            var nestedOffset = offset + 1
            for option in options[..<index] { nestedOffset += option.nestedDimension }
            return options[index].value(at: point, offset: nestedOffset, logBase: logBase)
        case .randint(let upper):
            return .int(Self.cell(u, count: upper))
        case .uniform(let lo, let hi):
            return .double(Self.uniform(u, lo, hi))
        case .logUniform(let lo, let hi):
            return .double(Self.power(logBase, Self.uniform(u, lo, hi)))
        case .qUniform(let lo, let hi, let q):
            return Self.quantize(Self.uniform(u, lo, hi), q)
        case .qLogUniform(let lo, let hi, let q):
            return Self.quantize(Self.power(logBase, Self.uniform(u, lo, hi)), q)
        case .normal(let mu, let sigma):
            return .double(mu + sigma * NormalDistribution.quantile(Self.openUnit(u)))
        case .logNormal(let mu, let sigma):
            return .double(exp(mu + sigma * NormalDistribution.quantile(Self.openUnit(u))))
        case .qNormal(let mu, let sigma, let q):
            return Self.quantize(mu + sigma * NormalDistribution.quantile(Self.openUnit(u)), q)
        case .qLogNormal(let mu, let sigma, let q):
            return Self.quantize(exp(mu + sigma * NormalDistribution.quantile(Self.openUnit(u))), q)
        }
    }

    /// The index of the cell of `count` equal cells of [0, 1) that contains `u`.
    /// Never traps, whatever `u` a plugin sampler returns.
    static func cell(_ u: Double, count: Int) -> Int {
        let x = u * Double(count)
        guard x >= 0 else { return 0 }
        guard x < Double(count) else { return count - 1 }
        return Swift.min(Int(x), count - 1)
    }

    /// The coordinate at the centre of cell `index` of `count` (the inverse of `cell`).
    static func cellCentre(_ index: Int, count: Int) -> Double {
        (Double(index) + 0.5) / Double(count)
    }

    static func uniform(_ u: Double, _ lo: Double, _ hi: Double) -> Double {
        Swift.min(hi, lo + u * (hi - lo))
    }

    static func power(_ base: Double, _ exponent: Double) -> Double {
        base == SearchSpace.naturalLogBase ? exp(exponent) : pow(base, exponent)
    }

    /// Sobol's first point is exactly 0; the normal quantile needs (0, 1). 2^-33 is half the
    /// resolution of a 32-bit Sobol coordinate, so no other point moves.
    static func openUnit(_ u: Double) -> Double {
        let epsilon = 0x1p-33
        return Swift.min(Swift.max(u, epsilon), 1 - epsilon)
    }

    /// round(x / q) * q with round-half-to-even (Python's `round`). An integral q gives integers.
    static func quantize(_ x: Double, _ q: Double) -> JSONValue {
        let steps = (x / q).rounded(.toNearestOrEven)
        // Below 2^53 the product of two integral doubles is exact, so the conversion cannot trap.
        if q == q.rounded(), steps.isFinite, abs(steps * q) < 0x1p53 {
            return .int(Int(steps * q))
        }
        return .double(steps * q)
    }
}

/// One option of a `choice`: a literal value, or a mapping whose entries are literals or nested
/// expressions (a conditional space: the nested expressions are sampled only when it is picked).
public enum ChoiceOption: Equatable, Sendable {
    case literal(JSONValue)
    case nested([NestedEntry])

    public struct NestedEntry: Equatable, Sendable {
        public let key: String
        public let content: Content
        public enum Content: Equatable, Sendable {
            case literal(JSONValue)
            case expression(ParameterExpression)
        }
    }

    /// The expressions of a mapping option, in order (empty for a literal).
    var nestedExpressions: [ParameterExpression] {
        guard case .nested(let entries) = self else { return [] }
        return entries.compactMap { entry in
            if case .expression(let expression) = entry.content { return expression }
            return nil
        }
    }

    var nestedDimension: Int {
        nestedExpressions.reduce(0) { $0 + $1.dimension }
    }

    func value(at point: UnsafeBufferPointer<Double>, offset: Int, logBase: Double) -> JSONValue {
        switch self {
        case .literal(let value):
            return value
        case .nested(let entries):
            var object = JSONObject()
            var nestedOffset = offset
            for entry in entries {
                switch entry.content {
                case .literal(let value):
                    object[entry.key] = value
                case .expression(let expression):
                    object[entry.key] = expression.value(at: point, offset: nestedOffset, logBase: logBase)
                    nestedOffset += expression.dimension
                }
            }
            return .object(object)
        }
    }
}
