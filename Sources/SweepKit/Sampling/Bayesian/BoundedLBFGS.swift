/// Minimises a smooth function inside a box with limited-memory BFGS steps: variables held at a
/// bound by their gradient are frozen for the step, the rest follow the quasi-Newton direction,
/// and a backtracking (Armijo) line search keeps every trial point inside the box.
///
/// Used twice by the Bayesian sampler: to fit the GP's hyperparameters (maximum a posteriori) and
/// to refine the acquisition function from its best starting points. Small problems (≤ 30
/// variables), so plain arrays and a short history are enough.
struct BoundedLBFGS {
    var historySize = 8
    var maximumIterations = 100
    /// Stop when every free gradient component is this small...
    var gradientTolerance = 1e-5
    /// ...or when an iteration improves the value by less than this (relative).
    var valueTolerance = 1e-9

    struct Result {
        var point: [Double]
        var value: Double
        var evaluations: Int
    }

    /// `objective` returns the value at a point and a way to get the gradient there, asked only
    /// for points the line search accepts (for the GP fit the gradient costs more than the value).
    /// Non-finite values count as worse than anything, so the line search backs away from them.
    func minimize(from start: [Double], lower: [Double], upper: [Double],
                  objective: ([Double]) -> (value: Double, gradient: () -> [Double])) -> Result {
        let count = start.count
        var x = (0..<count).map { min(max(start[$0], lower[$0]), upper[$0]) }
        let first = objective(x)
        var value = first.value
        var gradient = value.isFinite ? first.gradient() : []
        var evaluations = 1
        guard value.isFinite else { return Result(point: x, value: value, evaluations: evaluations) }
        var steps: [[Double]] = [], changes: [[Double]] = [], curvatures: [Double] = []

        for _ in 0..<maximumIterations {
            // Components that would leave the box are frozen for this step.
            var free = [Bool](repeating: true, count: count)
            var projected = gradient
            for i in 0..<count where (x[i] <= lower[i] && gradient[i] > 0) || (x[i] >= upper[i] && gradient[i] < 0) {
                free[i] = false
                projected[i] = 0
            }
            if projected.allSatisfy({ abs($0) <= gradientTolerance }) { break }

            var direction = Self.twoLoopDirection(projected, steps: steps, changes: changes, curvatures: curvatures)
            for i in 0..<count where !free[i] { direction[i] = 0 }
            var slope = zip(direction, projected).reduce(0) { $0 + $1.0 * $1.1 }
            if !(slope < 0) {  // not a descent direction: restart from steepest descent
                steps.removeAll(); changes.removeAll(); curvatures.removeAll()
                direction = projected.map { -$0 }
                slope = -projected.reduce(0) { $0 + $1 * $1 }
            }
            var length = steps.isEmpty ? min(1, 1 / max(projected.map(abs).max() ?? 1, 1e-12)) : 1
            var accepted: (point: [Double], value: Double, gradient: [Double])?
            for _ in 0..<30 {
                let candidate = (0..<count).map { min(max(x[$0] + length * direction[$0], lower[$0]), upper[$0]) }
                let (candidateValue, candidateGradient) = objective(candidate)
                evaluations += 1
                let decrease = zip(gradient, zip(candidate, x)).reduce(0) { $0 + $1.0 * ($1.1.0 - $1.1.1) }
                if candidateValue.isFinite && candidateValue <= value + 1e-4 * decrease {
                    accepted = (candidate, candidateValue, candidateGradient())
                    break
                }
                length *= 0.5
            }
            guard let accepted else { break }
            let step = zip(accepted.point, x).map { $0 - $1 }
            let change = zip(accepted.gradient, gradient).map { $0 - $1 }
            let curvature = zip(step, change).reduce(0) { $0 + $1.0 * $1.1 }
            if curvature > 1e-12 {
                steps.append(step); changes.append(change); curvatures.append(curvature)
                if steps.count > historySize { steps.removeFirst(); changes.removeFirst(); curvatures.removeFirst() }
            }
            let improvement = value - accepted.value
            (x, value, gradient) = accepted
            if improvement <= valueTolerance * max(1, abs(value)) { break }
        }
        return Result(point: x, value: value, evaluations: evaluations)
    }

    /// The L-BFGS two-loop recursion: −H·g for the inverse Hessian approximation H of the history.
    static func twoLoopDirection(_ gradient: [Double], steps: [[Double]], changes: [[Double]], curvatures: [Double]) -> [Double] {
        var q = gradient
        var alphas = [Double](repeating: 0, count: steps.count)
        for k in stride(from: steps.count - 1, through: 0, by: -1) {
            let alpha = zip(steps[k], q).reduce(0) { $0 + $1.0 * $1.1 } / curvatures[k]
            alphas[k] = alpha
            for i in q.indices { q[i] -= alpha * changes[k][i] }
        }
        if let last = changes.last {
            let scale = curvatures[curvatures.count - 1] / last.reduce(0) { $0 + $1 * $1 }
            for i in q.indices { q[i] *= scale }
        }
        for k in steps.indices {
            let beta = zip(changes[k], q).reduce(0) { $0 + $1.0 * $1.1 } / curvatures[k]
            for i in q.indices { q[i] += (alphas[k] - beta) * steps[k][i] }
        }
        return q.map { -$0 }
    }
}
