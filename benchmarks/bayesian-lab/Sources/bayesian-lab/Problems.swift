#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The four synthetic problems of the quality protocol, with the same boxes, orders and optima as
/// the Optuna side of the comparison uses (benchmarks/quality.py).
struct Problem: Sendable {
    let name: String
    let bounds: [(low: Double, high: Double)]
    let optimum: Double
    let function: @Sendable ([Double]) -> Double
    /// A typical spread of values (to say "close to the optimum" across problems).
    var scale: Double { ["branin2": 1, "hartmann6": 1, "rosenbrock5": 1000, "levy5": 10][name]! }

    static let all: [Problem] = [branin2, hartmann6, rosenbrock5, levy5]

    static let branin2 = Problem(name: "branin2", bounds: [(-5, 10), (0, 15)], optimum: 5 / (4 * Double.pi)) { x in
        let b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi, t = 1 / (8 * Double.pi)
        let inner = x[1] - b * x[0] * x[0] + c * x[0] - 6
        return inner * inner + 10 * (1 - t) * cos(x[0]) + 10
    }

    static let hartmann6 = Problem(name: "hartmann6", bounds: Array(repeating: (0, 1), count: 6), optimum: -3.3223680114155147) { x in
        let alpha = [1.0, 1.2, 3.0, 3.2]
        let a: [[Double]] = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
        let p: [[Double]] = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                             [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
        var total = 0.0
        for i in 0..<4 {
            var exponent = 0.0
            for j in 0..<6 { exponent += a[i][j] * pow(x[j] - p[i][j] * 1e-4, 2) }
            total -= alpha[i] * exp(-exponent)
        }
        return total
    }

    static let rosenbrock5 = Problem(name: "rosenbrock5", bounds: Array(repeating: (-5, 10), count: 5), optimum: 0) { x in
        var total = 0.0
        for i in 0..<4 { total += 100 * pow(x[i + 1] - x[i] * x[i], 2) + pow(1 - x[i], 2) }
        return total
    }

    static let levy5 = Problem(name: "levy5", bounds: Array(repeating: (-10, 10), count: 5), optimum: 0) { x in
        let w = x.map { 1 + ($0 - 1) / 4 }
        var total = pow(sin(Double.pi * w[0]), 2)
        for i in 0..<4 { total += pow(w[i] - 1, 2) * (1 + 10 * pow(sin(Double.pi * w[i] + 1), 2)) }
        total += pow(w[4] - 1, 2) * (1 + pow(sin(2 * Double.pi * w[4]), 2))
        return total
    }
}
