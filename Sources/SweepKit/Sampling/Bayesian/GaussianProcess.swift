#if canImport(Glibc)
import Glibc
#endif

/// A Gaussian-process regression model on the unit cube: Matérn-5/2 kernel with one length scale
/// per dimension, signal variance and noise variance, on standardised observations.
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

        static let lengthScalePriorWidth = 1.0
        static let maximumLengthScale = 1e3
        static func clamp(_ value: Double, index: Int, dimension: Int) -> Double {
            if index < dimension { return min(max(value, log(0.005)), log(maximumLengthScale)) }
            if index == dimension { return min(max(value, log(0.01)), log(100)) }
            return min(max(value, log(1e-6)), 0)
        }

        var logPrior: Double {
            var total = 0.0
            for d in 0..<dimension {
                let lambda = exp(-2 * values[d])
                total -= 0.1 / lambda + 0.1 * lambda
            }
            let s = signalVariance
            total += log(s) - s
            let noise = noiseVariance
            total += 0.1 * log(noise) - 30 * noise
            return total
        }
    }

    let points: [[Double]]
    let targets: [Double]  // standardised
    let hyperparameters: Hyperparameters
    /// For each coordinate, its number of categories when it is a Choice (compared by cell:
    /// same category or not, never by order), nil when it is numeric.
    let categories: [Int?]
    private let cholesky: [Double]  // lower triangle, row-major n x n
    private let alpha: [Double]     // K^-1 y
    let logMarginalLikelihood: Double

    /// nil when the kernel matrix is not positive definite even with added jitter.
    init?(points: [[Double]], targets: [Double], hyperparameters: Hyperparameters, categories: [Int?]) {
        self.points = points
        self.targets = targets
        self.hyperparameters = hyperparameters
        self.categories = categories
        let n = points.count
        var matrix = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                let k = Self.kernel(points[i], points[j], hyperparameters, categories)
                matrix[i * n + j] = k
                matrix[j * n + i] = k
            }
            matrix[i * n + i] += hyperparameters.noiseVariance
        }
        var jitter = 0.0
        var factor: [Double]?
        for _ in 0..<5 {
            factor = Self.choleskyFactor(matrix, n: n, jitter: jitter)
            if factor != nil { break }
            jitter = jitter == 0 ? 1e-8 : jitter * 100
        }
        guard let factor else { return nil }
        cholesky = factor
        let alpha = Self.solveUpper(factor, n: n, Self.solveLower(factor, n: n, targets))
        self.alpha = alpha
        var logDeterminant = 0.0
        for i in 0..<n { logDeterminant += 2 * log(factor[i * n + i]) }
        let fit = zip(targets, alpha).reduce(0) { $0 + $1.0 * $1.1 }
        logMarginalLikelihood = -0.5 * fit - 0.5 * logDeterminant - 0.5 * Double(n) * log(2 * Double.pi)
    }

    static func kernel(_ a: [Double], _ b: [Double], _ h: Hyperparameters, _ categories: [Int?]) -> Double {
        var squared = 0.0
        for d in 0..<a.count {
            let difference: Double
            if let count = categories[d] {
                difference = ParameterExpression.cell(a[d], count: count) == ParameterExpression.cell(b[d], count: count) ? 0 : 1
            } else {
                difference = a[d] - b[d]
            }
            let scaled = difference / h.lengthScale(d)
            squared += scaled * scaled
        }
        let r = (5 * squared).squareRoot()
        return h.signalVariance * (1 + r + r * r / 3) * exp(-r)
    }

    /// Posterior mean and variance at x.
    func predict(_ x: [Double]) -> (mean: Double, variance: Double) {
        let n = points.count
        let k = points.map { Self.kernel(x, $0, hyperparameters, categories) }
        let mean = zip(k, alpha).reduce(0) { $0 + $1.0 * $1.1 }
        let v = Self.solveLower(cholesky, n: n, k)
        let variance = hyperparameters.signalVariance - v.reduce(0) { $0 + $1 * $1 }
        return (mean, max(variance, 1e-12))
    }

    static func choleskyFactor(_ matrix: [Double], n: Int, jitter: Double) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = matrix[i * n + j] + (i == j ? jitter : 0)
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0, sum.isFinite else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        return l
    }

    static func solveLower(_ l: [Double], n: Int, _ b: [Double]) -> [Double] {
        var x = b
        for i in 0..<n {
            var sum = x[i]
            for k in 0..<i { sum -= l[i * n + k] * x[k] }
            x[i] = sum / l[i * n + i]
        }
        return x
    }

    static func solveUpper(_ l: [Double], n: Int, _ b: [Double]) -> [Double] {
        var x = b
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = x[i]
            for k in (i + 1)..<max(i + 1, n) { sum -= l[k * n + i] * x[k] }
            x[i] = sum / l[i * n + i]
        }
        return x
    }
}

/// log of expected improvement below `best` for a Gaussian N(mean, variance), stable far in the tail.
func logExpectedImprovement(mean: Double, variance: Double, best: Double) -> Double {
    let sigma = variance.squareRoot()
    let z = (best - mean) / sigma
    let logPdf = -0.5 * z * z - 0.5 * log(2 * Double.pi)
    if z > -6 {
        let value = z * NormalDistribution.cdf(z) + exp(logPdf)
        return log(max(value, 1e-300)) + log(sigma)
    }
    // z Φ(z) + φ(z) ≈ φ(z) / z² · (1 − 3 / z²) for z → −∞
    return logPdf - 2 * log(-z) + log1p(-3 / (z * z)) + log(sigma)
}
