#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ParameterExpression {
    /// For an expression with discrete values (randint, q*), the unit coordinate that stands for the
    /// value at `u`: every coordinate giving the same value has the same canonical one. It is the
    /// inverse of the expression's mapping at that value (the cell's centre for randint), clamped to
    /// the unit interval; `u` itself for the other expressions, or if the inverse would not give the
    /// same value back (it always does, short of rounding at a cell's very edge).
    func canonicalCoordinate(_ u: Double, logBase: Double) -> Double {
        let unit: Double
        switch self {
        case .randint(let upper):
            return Self.cellCentre(Self.cell(u, count: upper), count: upper)
        case .qUniform(let lo, let hi, let q):
            let value = Self.quantizedNumber(Self.uniform(u, lo, hi), q)
            unit = (value - lo) / (hi - lo)
        case .qLogUniform(let lo, let hi, let q):
            let value = Self.quantizedNumber(Self.power(logBase, Self.uniform(u, lo, hi)), q)
            unit = value > 0 ? (log(value) / log(logBase) - lo) / (hi - lo) : 0
        case .qNormal(let mu, let sigma, let q):
            let value = Self.quantizedNumber(mu + sigma * NormalDistribution.quantile(Self.openUnit(u)), q)
            unit = NormalDistribution.cdf((value - mu) / sigma)
        case .qLogNormal(let mu, let sigma, let q):
            let value = Self.quantizedNumber(exp(mu + sigma * NormalDistribution.quantile(Self.openUnit(u))), q)
            unit = value > 0 ? NormalDistribution.cdf((log(value) - mu) / sigma) : 0
        default:
            return u
        }
        let canonical = unit.isFinite ? Swift.min(Swift.max(unit, 0), 1) : u
        return valueAtCoordinate(canonical, logBase: logBase) == valueAtCoordinate(u, logBase: logBase) ? canonical : u
    }

    /// round(x / q) · q as a number (the value `quantize` reports).
    static func quantizedNumber(_ x: Double, _ q: Double) -> Double {
        (x / q).rounded(.toNearestOrEven) * q
    }

    private func valueAtCoordinate(_ u: Double, logBase: Double) -> JSONValue {
        [u].withUnsafeBufferPointer { value(at: $0, offset: 0, logBase: logBase) }
    }
}
