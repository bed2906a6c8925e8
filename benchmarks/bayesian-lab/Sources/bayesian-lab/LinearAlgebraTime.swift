import Foundation
@_spi(Benchmarks) import SweepKit

/// Times the GP's dense linear algebra at the sizes the sampler uses (n = 100 and 300 points; 256
/// candidates per block), to compare with LAPACK through NumPy (benchmarks/linear_algebra.py).
func linearAlgebraTimes() {
    for n in [100, 300] {
        // A Matérn-like SPD matrix: exp(-|i-j|/n·10) plus a small diagonal.
        var matrix = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { matrix[i * n + j] = exp(-Double(abs(i - j)) * 10 / Double(n)) + (i == j ? 1e-3 : 0) } }
        func time(_ repeats: Int, _ body: () -> Void) -> Double {
            var samples: [Double] = []
            for _ in 0..<repeats {
                let started = DispatchTime.now().uptimeNanoseconds
                body()
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
            }
            return median(samples)
        }
        var factor: [Double] = []
        let cholesky = time(20) { factor = DenseLinearAlgebra.cholesky(matrix, n: n, jitter: 0)! }
        let inverse = time(20) { _ = DenseLinearAlgebra.inverseFromCholesky(factor, n: n) }
        var block = [Double](repeating: 0.5, count: n * 256)
        let solve = time(20) {
            var copy = block
            DenseLinearAlgebra.solveLowerInPlace(factor, n: n, &copy, columns: 256)
            block[0] = copy[0]
        }
        print(String(format: "n=%d: cholesky %.3f ms, inverse from factor %.3f ms, solve with 256 right-hand sides %.3f ms", n, cholesky, inverse, solve))
    }
}
