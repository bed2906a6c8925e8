#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Azure ML's gotcha made visible: the bounds of `LogUniform`/`QLogUniform` and the `mu` of
/// `LogNormal`/`QLogNormal` are exponents, so `LogUniform(1e-5, 1e-1)` samples 1.00001..1.105, not
/// 1e-5..0.1. SweepKit keeps Azure's meaning and warns when they look like values instead: both
/// bounds positive, and either one below 1 or one at least 20 (e^20 is already 4.9e8); a `mu`
/// below 0.1 (a median of about 1) or at least 20. The warning shows the range the expression
/// really has and the `math.log(...)` form that gives the values the user probably meant.
public enum LogScaleAdvice {
    /// One warning per expression (nested ones included) whose bounds look like values.
    public static func warnings(for space: SearchSpace, logBase: Double?) -> [String] {
        var notes: [String] = []
        for parameter in space.parameters {
            visit(parameter.expression, field: "search_space.\(parameter.name)", logBase: logBase, into: &notes)
        }
        return notes
    }

    private static func visit(_ expression: ParameterExpression, field: String, logBase: Double?, into notes: inout [String]) {
        switch expression {
        case .choice(let options):
            for option in options {
                guard case .nested(let entries) = option else { continue }
                for entry in entries {
                    if case .expression(let inner) = entry.content {
                        visit(inner, field: "\(field).\(entry.key)", logBase: logBase, into: &notes)
                    }
                }
            }
        case .logUniform(let lo, let hi):
            if rangeLooksLikeValues(lo, hi) { notes.append(uniformNote(field, "LogUniform", "loguniform", lo, hi, q: nil, logBase)) }
        case .qLogUniform(let lo, let hi, let q):
            if rangeLooksLikeValues(lo, hi) { notes.append(uniformNote(field, "QLogUniform", "qloguniform", lo, hi, q: q, logBase)) }
        case .logNormal(let mu, let sigma):
            if looksLikeValue(mu) { notes.append(normalNote(field, "LogNormal", mu, sigma, q: nil)) }
        case .qLogNormal(let mu, let sigma, let q):
            if looksLikeValue(mu) { notes.append(normalNote(field, "QLogNormal", mu, sigma, q: q)) }
        default:
            break
        }
    }

    static func rangeLooksLikeValues(_ lo: Double, _ hi: Double) -> Bool {
        lo > 0 && hi > 0 && (lo < 1 || hi >= 20)
    }

    static func looksLikeValue(_ mu: Double) -> Bool {
        mu > 0 && (mu < 0.1 || mu >= 20)
    }

    private static func uniformNote(_ field: String, _ name: String, _ yamlType: String, _ lo: Double, _ hi: Double,
                                    q: Double?, _ logBase: Double?) -> String {
        let base = logBase ?? SearchSpace.naturalLogBase
        let natural = base == SearchSpace.naturalLogBase
        let power = { (x: Double) in natural ? "exp(\(short(x)))" : "\(short(base))^\(short(x))" }
        let logForm = { (x: Double) in natural ? "math.log(\(short(x)))" : "math.log(\(short(x)), \(short(base)))" }
        let (newLo, newHi) = (log(lo) / log(base), log(hi) / log(base))
        let qText = q.map { ", \(short($0))" } ?? ""
        let qYAML = q.map { ", q: \(short($0))" } ?? ""
        let rounding = q == nil ? "" : " (then rounded to multiples of q)"
        return "\(field): \(name)(\(short(lo)), \(short(hi))\(qText)) samples \(power(lo))..\(power(hi)) = "
            + "\(short(pow(base, lo)))..\(short(pow(base, hi)))\(rounding): its bounds are exponents (Azure ML's meaning, kept by SweepKit). "
            + "For values from \(short(lo)) to \(short(hi)) write \(name)(\(logForm(lo)), \(logForm(hi))\(qText)), i.e. \(name)(\(short(newLo)), \(short(newHi))\(qText)); "
            + "in YAML {type: \(yamlType), min_value: \(short(newLo)), max_value: \(short(newHi))\(qYAML)}."
    }

    private static func normalNote(_ field: String, _ name: String, _ mu: Double, _ sigma: Double, q: Double?) -> String {
        let qText = q.map { ", \(short($0))" } ?? ""
        return "\(field): \(name)(\(short(mu)), \(short(sigma))\(qText)) samples exp(Normal(\(short(mu)), \(short(sigma)))), "
            + "whose median is exp(\(short(mu))) = \(short(exp(mu))): mu is an exponent (Azure ML's meaning, kept by SweepKit). "
            + "For a median of \(short(mu)) write \(name)(math.log(\(short(mu))), \(short(sigma))\(qText)), i.e. \(name)(\(short(log(mu))), \(short(sigma))\(qText))."
    }

    /// Six significant digits, as Python's `%g` would show them (`1e-05`, `1.10517`, `-11.5129`).
    static func short(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        guard x != 0 else { return "0" }
        let magnitude = Int(floor(log10(abs(x))))
        let scale = pow(10.0, Double(5 - magnitude))
        var rounded = (x * scale).rounded() / scale
        if !rounded.isFinite { rounded = x }
        if abs(rounded) >= 1e6 {  // %g's exponent form, which Swift uses only from 1e16
            let mantissa = short(rounded / pow(10.0, Double(magnitude)))
            let exponent = String(abs(magnitude))
            return "\(mantissa)e\(magnitude < 0 ? "-" : "+")\(exponent.count < 2 ? "0" : "")\(exponent)"
        }
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }
}
