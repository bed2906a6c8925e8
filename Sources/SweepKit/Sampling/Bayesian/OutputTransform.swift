#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How observed values (to be minimised) become the GP's targets, with the log-Jacobian that makes
/// the evidence of two transforms comparable: log p(y) = log p(z) + Σ log |dz/dy|.
///
/// Objectives spanning orders of magnitude (Rosenbrock-like valleys, losses that blow up off the
/// good region) are modelled far better after a log warp; smooth bounded ones are not, so the
/// sampler fits several and keeps the one the data support.
struct OutputTransform {
    let targets: [Double]
    let logJacobian: Double

    /// (y − mean) / standard deviation.
    static func standardized(_ values: [Double]) -> OutputTransform {
        let (targets, scale) = standardize(values)
        return OutputTransform(targets: targets, logJacobian: -Double(values.count) * log(scale))
    }

    /// log(y − min + c), then standardised, with c = `offsetFraction` × (median − min). The offset
    /// keeps the best values from being stretched without bound and sets how strong the warp is:
    /// small, it spreads the values near the best apart; large, it only tames the worst ones.
    static func logWarped(_ values: [Double], offsetFraction: Double) -> OutputTransform {
        let sorted = values.sorted()
        let minimum = sorted[0], median = sorted[sorted.count / 2]
        let offset = max(offsetFraction * (median - minimum), 1e-12)
        let logged = values.map { log($0 - minimum + offset) }
        let (targets, scale) = standardize(logged)
        let jacobian = values.reduce(0) { $0 - log($1 - minimum + offset) } - Double(values.count) * log(scale)
        return OutputTransform(targets: targets, logJacobian: jacobian)
    }

    private static func standardize(_ values: [Double]) -> (values: [Double], scale: Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        let spread = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
        let scale = spread > 1e-12 ? spread : 1
        return (values.map { ($0 - mean) / scale }, scale)
    }
}
