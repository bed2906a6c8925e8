/// The dense linear algebra the GP needs, on row-major n × n arrays: Cholesky factor, triangular
/// solves (one or many right-hand sides), and the inverse from the factor.
///
/// Own code rather than LAPACK: the matrices stay ≤ 300 × 300 (the sampler subsets beyond that), the
/// loops are written so the compiler vectorises them (contiguous inner loops, SIMD accumulators for
/// dot products), and benchmarks/bayesian-lab --suggestion-time measures the result against the
/// issue's budgets; `bayesian-lab --linear-algebra` times it against NumPy's LAPACK. No extra
/// system dependency for the Python wheel. (SPI-public only for that benchmark.)
@_spi(Benchmarks) public enum DenseLinearAlgebra {
    /// Σ a[i]·b[i] with four independent SIMD accumulators (a plain reduction loop is not
    /// vectorised, as it would reassociate floating-point sums).
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int) -> Double {
        var s0 = SIMD4<Double>(), s1 = SIMD4<Double>()
        var i = 0
        while i + 8 <= count {
            s0 += SIMD4(a[i], a[i + 1], a[i + 2], a[i + 3]) * SIMD4(b[i], b[i + 1], b[i + 2], b[i + 3])
            s1 += SIMD4(a[i + 4], a[i + 5], a[i + 6], a[i + 7]) * SIMD4(b[i + 4], b[i + 5], b[i + 6], b[i + 7])
            i += 8
        }
        var total = (s0 + s1).sum()
        while i < count {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }

    /// Lower factor L of A + jitter·I (A symmetric positive definite); nil if a pivot is not positive.
    public static func cholesky(_ matrix: [Double], n: Int, jitter: Double) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        var failed = false
        l.withUnsafeMutableBufferPointer { lBuffer in
            matrix.withUnsafeBufferPointer { a in
                let l = lBuffer.baseAddress!
                for i in 0..<n {
                    for j in 0...i {
                        var sum = a[i * n + j] + (i == j ? jitter : 0)
                        sum -= dot(l + i * n, l + j * n, count: j)
                        if i == j {
                            guard sum > 0, sum.isFinite else { failed = true; return }
                            l[i * n + i] = sum.squareRoot()
                        } else {
                            l[i * n + j] = sum / l[j * n + j]
                        }
                    }
                }
            }
        }
        return failed ? nil : l
    }

    /// x with L x = b.
    public static func solveLower(_ l: [Double], n: Int, _ b: [Double]) -> [Double] {
        var x = b
        l.withUnsafeBufferPointer { l in
            x.withUnsafeMutableBufferPointer { x in
                for i in 0..<n {
                    x[i] = (x[i] - dot(l.baseAddress! + i * n, x.baseAddress!, count: i)) / l[i * n + i]
                }
            }
        }
        return x
    }

    /// x with Lᵀ x = b.
    public static func solveUpper(_ l: [Double], n: Int, _ b: [Double]) -> [Double] {
        var x = b
        l.withUnsafeBufferPointer { l in
            x.withUnsafeMutableBufferPointer { x in
                for i in stride(from: n - 1, through: 0, by: -1) {
                    let value = x[i] / l[i * n + i]
                    x[i] = value
                    // Column i of L below the diagonal, applied to the remaining unknowns.
                    for k in 0..<i { x[k] -= l[i * n + k] * value }
                }
            }
        }
        return x
    }

    /// Solves L V = B in place for m right-hand sides stored row-major (B is n × m): the inner loop
    /// runs along a row of B, contiguous, so it vectorises.
    public static func solveLowerInPlace(_ l: [Double], n: Int, _ b: inout [Double], columns m: Int) {
        l.withUnsafeBufferPointer { l in
            b.withUnsafeMutableBufferPointer { b in
                let b = b.baseAddress!
                for i in 0..<n {
                    let row = b + i * m
                    for k in 0..<i {
                        let factor = l[i * n + k]
                        if factor == 0 { continue }
                        let other = b + k * m
                        for j in 0..<m { row[j] -= factor * other[j] }
                    }
                    let pivot = 1 / l[i * n + i]
                    for j in 0..<m { row[j] *= pivot }
                }
            }
        }
    }

    /// (L Lᵀ)⁻¹ = L⁻ᵀ L⁻¹, with L⁻¹ from the many-right-hand-sides solve.
    public static func inverseFromCholesky(_ l: [Double], n: Int) -> [Double] {
        var inverseL = [Double](repeating: 0, count: n * n)
        for i in 0..<n { inverseL[i * n + i] = 1 }
        solveLowerInPlace(l, n: n, &inverseL, columns: n)
        var result = [Double](repeating: 0, count: n * n)
        inverseL.withUnsafeBufferPointer { v in
            result.withUnsafeMutableBufferPointer { r in
                let r = r.baseAddress!
                // Row i of L⁻¹ is zero beyond column i.
                for i in 0..<n {
                    let row = v.baseAddress! + i * n
                    for a in 0...i {
                        let factor = row[a]
                        if factor == 0 { continue }
                        let target = r + a * n
                        for b in 0...i { target[b] += factor * row[b] }
                    }
                }
            }
        }
        return result
    }
}
