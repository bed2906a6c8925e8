#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Gaussian-process regression model on the unit cube: Matérn-5/2 kernel with one length scale
/// per dimension, signal variance and noise variance, on standardised observations. A categorical
/// coordinate contributes distance 0 (same option) or 1 (different options), never its order.
///
/// Everything the sampler optimises has an analytic gradient: the log marginal likelihood with
/// respect to the hyperparameters, and the posterior mean and variance with respect to a point.
struct GaussianProcess {
    struct Hyperparameters: Equatable {
        /// log length scales (one per dimension), log signal variance, log noise variance.
        var values: [Double]
        var dimension: Int { values.count - 2 }
        func lengthScale(_ d: Int) -> Double { exp(values[d]) }
        var signalVariance: Double { exp(values[values.count - 2]) }
        var noiseVariance: Double { exp(values[values.count - 1]) }

        static func initial(dimension: Int) -> Hyperparameters {
            Hyperparameters(values: Array(repeating: 0, count: dimension) + [0, log(1e-2)])
        }

        /// Box of the MAP fit, in log space: length scales 0.005-1000, signal 0.01-100, noise 1e-8-1.
        /// The noise floor is low so a smooth objective can be refined far (Branin's optimum to
        /// ~1e-6 of its range); near-duplicate points are handled by the jitter of `init`.
        static func bounds(dimension: Int) -> (lower: [Double], upper: [Double]) {
            (Array(repeating: log(0.005), count: dimension) + [log(0.01), log(1e-8)],
             Array(repeating: log(1000), count: dimension) + [log(100), 0])
        }

        /// Log prior (up to a constant). Length scales: −(0.1/λ + 0.1λ) with λ = 1/ℓ², which favours
        /// ℓ ≈ 1 and rules out both extremes. Signal variance: Gamma(2, 1). Noise variance:
        /// Gamma(1.1, 30), so a little noise (≈ 0.3% of the variance) unless the data insist.
        var logPrior: Double {
            var total = 0.0
            for d in 0..<dimension {
                let lambda = exp(-2 * values[d])
                total -= 0.1 / lambda + 0.1 * lambda
            }
            total += log(signalVariance) - signalVariance
            total += 0.1 * log(noiseVariance) - 30 * noiseVariance
            return total
        }

        /// Gradient of `logPrior` with respect to `values`.
        var logPriorGradient: [Double] {
            var gradient = [Double](repeating: 0, count: values.count)
            for d in 0..<dimension {
                let lambda = exp(-2 * values[d])
                gradient[d] = -0.2 / lambda + 0.2 * lambda
            }
            gradient[dimension] = 1 - signalVariance
            gradient[dimension + 1] = 0.1 - 30 * noiseVariance
            return gradient
        }
    }

    let points: [[Double]]
    let targets: [Double]  // standardised
    let hyperparameters: Hyperparameters
    /// For each coordinate, its number of categories when it is a Choice, nil when it is numeric.
    let categories: [Int?]
    let count: Int
    let dimension: Int
    private let inverseLengthScales: [Double]
    /// The points row-major (count × dimension), a categorical coordinate replaced by its option's
    /// index, so that the kernel's inner loop is plain arithmetic.
    private let encoded: [Double]
    private let isCategorical: [Bool]
    private let cholesky: [Double]  // lower triangle, row-major count x count
    private let alpha: [Double]     // K^-1 y
    let logMarginalLikelihood: Double

    /// nil when the kernel matrix is not positive definite even with added jitter.
    init?(points: [[Double]], targets: [Double], hyperparameters: Hyperparameters, categories: [Int?]) {
        self.points = points
        self.targets = targets
        self.hyperparameters = hyperparameters
        self.categories = categories
        let n = points.count, d = hyperparameters.dimension
        count = n
        dimension = d
        let inverseLengthScales = (0..<d).map { 1 / hyperparameters.lengthScale($0) }
        let isCategorical = categories.map { $0 != nil }
        let encoded = points.flatMap { Self.encode($0, categories: categories) }
        self.inverseLengthScales = inverseLengthScales
        self.isCategorical = isCategorical
        self.encoded = encoded
        var matrix = [Double](repeating: 0, count: n * n)
        let signal = hyperparameters.signalVariance
        for i in 0..<n {
            for j in 0..<i {
                let k = signal * Self.matern(Self.scaledSquaredDistance(encoded, i * d, encoded, j * d, isCategorical, inverseLengthScales))
                matrix[i * n + j] = k
                matrix[j * n + i] = k
            }
            matrix[i * n + i] = signal + hyperparameters.noiseVariance
        }
        var jitter = 0.0
        var factor: [Double]?
        for _ in 0..<5 {
            factor = DenseLinearAlgebra.cholesky(matrix, n: n, jitter: jitter)
            if factor != nil { break }
            jitter = jitter == 0 ? 1e-8 : jitter * 100
        }
        guard let factor else { return nil }
        cholesky = factor
        let alpha = DenseLinearAlgebra.solveUpper(factor, n: n, DenseLinearAlgebra.solveLower(factor, n: n, targets))
        self.alpha = alpha
        var logDeterminant = 0.0
        for i in 0..<n { logDeterminant += 2 * log(factor[i * n + i]) }
        let fit = zip(targets, alpha).reduce(0) { $0 + $1.0 * $1.1 }
        logMarginalLikelihood = -0.5 * fit - 0.5 * logDeterminant - 0.5 * Double(n) * log(2 * Double.pi)
    }

    /// A point with each categorical coordinate replaced by its option's index.
    static func encode(_ x: [Double], categories: [Int?]) -> [Double] {
        var x = x
        for d in 0..<x.count { if let count = categories[d] { x[d] = Double(ParameterExpression.cell(x[d], count: count)) } }
        return x
    }

    /// Σ ((a − b)/ℓ)² between the encoded points starting at `aStart` in `a` and `bStart` in `b`;
    /// a categorical coordinate adds (0 or 1)/ℓ². (The likelihood gradient has its own loop: it
    /// needs the terms one by one.)
    @inline(__always)
    static func scaledSquaredDistance(_ a: [Double], _ aStart: Int, _ b: [Double], _ bStart: Int,
                                      _ isCategorical: [Bool], _ inverseLengthScales: [Double]) -> Double {
        var total = 0.0
        for d in 0..<isCategorical.count {
            var difference = a[aStart + d] - b[bStart + d]
            if isCategorical[d] { difference = difference == 0 ? 0 : 1 }
            let scaled = difference * inverseLengthScales[d]
            total += scaled * scaled
        }
        return total
    }

    /// Between an encoded query and stored point i.
    @inline(__always)
    private func scaledSquaredDistance(_ query: [Double], _ i: Int) -> Double {
        Self.scaledSquaredDistance(query, 0, encoded, i * dimension, isCategorical, inverseLengthScales)
    }

    /// Matérn-5/2 as a function of the squared scaled distance t: (1 + √5t + 5t/3) e^−√5t.
    @inline(__always)
    static func matern(_ t: Double) -> Double {
        let r = (5 * t).squareRoot()
        return (1 + r + r * r / 3) * exp(-r)
    }

    /// d matern / dt = −5/6 (1 + √5t) e^−√5t (finite at t = 0, unlike the derivative in r).
    @inline(__always)
    static func maternSlope(_ t: Double) -> Double {
        let r = (5 * t).squareRoot()
        return -5.0 / 6.0 * (1 + r) * exp(-r)
    }

    static func kernel(_ a: [Double], _ b: [Double], _ h: Hyperparameters, _ categories: [Int?]) -> Double {
        let distance = scaledSquaredDistance(encode(a, categories: categories), 0, encode(b, categories: categories), 0,
                                             categories.map { $0 != nil }, (0..<a.count).map { 1 / h.lengthScale($0) })
        return h.signalVariance * matern(distance)
    }

    /// Gradient of the log marginal likelihood with respect to `hyperparameters.values`:
    /// ½ tr((ααᵀ − K⁻¹) ∂K/∂θ), with K⁻¹ from the Cholesky factor.
    func logMarginalLikelihoodGradient() -> [Double] {
        let n = count, h = hyperparameters
        let inverse = DenseLinearAlgebra.inverseFromCholesky(cholesky, n: n)
        var gradient = [Double](repeating: 0, count: dimension + 2)
        var scaledSquares = [Double](repeating: 0, count: dimension)
        let signal = h.signalVariance
        for i in 0..<n {
            for j in 0..<i {
                var t = 0.0
                for d in 0..<dimension {
                    var difference = encoded[i * dimension + d] - encoded[j * dimension + d]
                    if isCategorical[d] { difference = difference == 0 ? 0 : 1 }
                    let scaled = difference * inverseLengthScales[d]
                    scaledSquares[d] = scaled * scaled
                    t += scaledSquares[d]
                }
                // Off-diagonal pairs count twice (W and ∂K are symmetric): ½·2 = 1.
                let weight = alpha[i] * alpha[j] - inverse[i * n + j]
                let slope = weight * signal * Self.maternSlope(t)
                for d in 0..<dimension { gradient[d] -= 2 * slope * scaledSquares[d] }
                gradient[dimension] += weight * signal * Self.matern(t)
            }
            let weight = alpha[i] * alpha[i] - inverse[i * n + i]
            gradient[dimension] += 0.5 * weight * signal
            gradient[dimension + 1] += 0.5 * weight * h.noiseVariance
        }
        return gradient
    }

    /// Posterior mean and variance of f at x.
    func predict(_ x: [Double]) -> (mean: Double, variance: Double) {
        let query = Self.encode(x, categories: categories)
        let signal = hyperparameters.signalVariance
        var k = [Double](repeating: 0, count: count)
        for i in 0..<count { k[i] = signal * Self.matern(scaledSquaredDistance(query, i)) }
        let mean = zip(k, alpha).reduce(0) { $0 + $1.0 * $1.1 }
        let v = DenseLinearAlgebra.solveLower(cholesky, n: count, k)
        let variance = signal - v.reduce(0) { $0 + $1 * $1 }
        return (mean, max(variance, 1e-12))
    }

    /// Posterior means and variances at many points at once: one triangular solve with all of
    /// them as right-hand sides, which vectorises (the acquisition's candidate scoring).
    func predict(batch xs: [[Double]]) -> [(mean: Double, variance: Double)] {
        let n = count, m = xs.count, signal = hyperparameters.signalVariance
        guard m > 0 else { return [] }
        let queries = xs.map { Self.encode($0, categories: categories) }
        var block = [Double](repeating: 0, count: n * m)  // row i: k(point i, each query)
        for i in 0..<n {
            for j in 0..<m { block[i * m + j] = signal * Self.matern(scaledSquaredDistance(queries[j], i)) }
        }
        var means = [Double](repeating: 0, count: m)
        for i in 0..<n {
            let weight = alpha[i]
            for j in 0..<m { means[j] += weight * block[i * m + j] }
        }
        DenseLinearAlgebra.solveLowerInPlace(cholesky, n: n, &block, columns: m)
        var explained = [Double](repeating: 0, count: m)
        for i in 0..<n {
            for j in 0..<m { explained[j] += block[i * m + j] * block[i * m + j] }
        }
        return (0..<m).map { (means[$0], max(signal - explained[$0], 1e-12)) }
    }

    /// Posterior mean and variance at x with their gradients in x (zero along categorical coordinates).
    func predictWithGradient(_ x: [Double]) -> (mean: Double, variance: Double, meanGradient: [Double], varianceGradient: [Double]) {
        let n = count, signal = hyperparameters.signalVariance
        let query = Self.encode(x, categories: categories)
        var k = [Double](repeating: 0, count: n)
        var slopes = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let t = scaledSquaredDistance(query, i)
            k[i] = signal * Self.matern(t)
            slopes[i] = signal * Self.maternSlope(t)
        }
        let mean = zip(k, alpha).reduce(0) { $0 + $1.0 * $1.1 }
        let v = DenseLinearAlgebra.solveLower(cholesky, n: n, k)
        let rawVariance = signal - v.reduce(0) { $0 + $1 * $1 }
        let weights = DenseLinearAlgebra.solveUpper(cholesky, n: n, v)  // K⁻¹k
        var meanGradient = [Double](repeating: 0, count: dimension)
        var varianceGradient = [Double](repeating: 0, count: dimension)
        for i in 0..<n {
            // ∂k_i/∂x_d = slope_i · 2 (x_d − X_id) / ℓ_d²
            let meanWeight = alpha[i] * slopes[i] * 2, varianceWeight = -2 * weights[i] * slopes[i] * 2
            for d in 0..<dimension where !isCategorical[d] {
                let factor = (x[d] - encoded[i * dimension + d]) * inverseLengthScales[d] * inverseLengthScales[d]
                meanGradient[d] += meanWeight * factor
                varianceGradient[d] += varianceWeight * factor
            }
        }
        if rawVariance < 1e-12 { varianceGradient = varianceGradient.map { _ in 0 } }
        return (mean, max(rawVariance, 1e-12), meanGradient, varianceGradient)
    }
}

/// log of expected improvement below `best` for a Gaussian N(mean, variance), stable far in the tail.
func logExpectedImprovement(mean: Double, variance: Double, best: Double) -> Double {
    logExpectedImprovementWithSlopes(mean: mean, variance: variance, best: best).value
}

/// log EI and its partial derivatives in the mean and in the variance.
///
/// With z = (best − μ)/σ and h(z) = zΦ(z) + φ(z): log EI = log σ + log h(z), h'(z) = Φ(z).
/// Far in the tail (z < −6) h and Φ are both tiny: h(z) ≈ φ(z)/z² (1 − 3/z²) and the ratio
/// Φ/h ≈ −z (1 − 1/z² + 3/z⁴)/(1 − 3/z² + 15/z⁴), so neither underflows.
func logExpectedImprovementWithSlopes(mean: Double, variance: Double, best: Double) -> (value: Double, dMean: Double, dVariance: Double) {
    let sigma = variance.squareRoot()
    let z = (best - mean) / sigma
    let logPdf = -0.5 * z * z - 0.5 * log(2 * Double.pi)
    let logH: Double, ratio: Double
    if z > -6 {
        let cdf = NormalDistribution.cdf(z)
        let h = max(z * cdf + exp(logPdf), 1e-300)
        logH = log(h)
        ratio = cdf / h
    } else {
        let w = 1 / (z * z)
        logH = logPdf - 2 * log(-z) + log1p(-3 * w)
        ratio = -z * (1 - w + 3 * w * w) / (1 - 3 * w + 15 * w * w)
    }
    // ∂z/∂μ = −1/σ; ∂z/∂σ = −z/σ; ∂/∂variance = ∂/∂σ · 1/(2σ)
    let dMean = -ratio / sigma
    let dSigma = 1 / sigma - ratio * z / sigma
    return (log(sigma) + logH, dMean, dSigma / (2 * sigma))
}
