#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The standard normal distribution's CDF and quantile.
enum NormalDistribution {
    static func cdf(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// Φ⁻¹(p) for p in (0, 1), to full double precision.
    ///
    /// Starts from Abramowitz & Stegun 26.2.23 (absolute error < 4.5e-4) and refines with Halley
    /// steps on the CDF, which converge cubically; erfc keeps relative accuracy deep in the
    /// lower tail, and the upper tail is computed by symmetry so it does too.
    static func quantile(_ p: Double) -> Double {
        if p.isNaN || p <= 0 { return p == 0 ? -.infinity : .nan }
        if p >= 1 { return p == 1 ? .infinity : .nan }
        if p > 0.5 { return -quantile(1 - p) }
        let t = (-2 * log(p)).squareRoot()
        var x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t)
            / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t))
        let sqrtTwoPi = (2 * Double.pi).squareRoot()
        for _ in 0..<3 {
            let error = cdf(x) - p
            let u = error * sqrtTwoPi * exp(x * x / 2)
            let step = u / (1 + x * u / 2)
            x -= step
            if abs(step) <= 1e-16 * Swift.max(1, abs(x)) { break }
        }
        return x
    }
}
