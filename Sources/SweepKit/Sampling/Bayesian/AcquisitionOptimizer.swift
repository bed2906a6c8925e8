#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the point of the unit cube with the highest log expected improvement under a GP.
///
/// 1. Scores 1024 scrambled-Sobol candidates and 512 perturbations of the best observed points.
/// 2. Starts local searches from the best candidate, nine more drawn with probability ∝ EI
///    (so promising regions away from the current best get refined too), and the best observed point.
/// 3. Each local search alternates L-BFGS on the numeric coordinates (in units of their length
///    scales, which equalises the curvature) with trying the options of each categorical
///    coordinate, until neither changes anything; discrete coordinates (randint, q*) then snap to
///    their nearest value. The kernel compares options only as same or different, so all options
///    that no point of the model has predict alike: a large Choice is searched over the options
///    the model's points have plus one other (drawn at random), not option by option.
struct AcquisitionOptimizer {
    let model: GaussianProcess
    /// The best (standardised) target so far: improvement is measured below it.
    let best: Double
    let grid: CoordinateGrid
    var categories: [Int?] { grid.categories }
    var candidateCount = 1024
    /// Perturbations of the best observed points (±0.2, ±0.05, ±0.01 per coordinate): they make the
    /// refinement of a good region precise (Branin to ~1e-5 within 50 trials).
    var anchorCandidates = 512
    var localSearches = 10
    /// Concurrent suggestions stay at least this far apart (Euclidean, in the unit cube).
    var pendingSeparation = 1e-3
    /// A Choice with at most this many options is searched option by option.
    var exhaustiveChoiceLimit = 256

    var dimension: Int { categories.count }

    func value(_ x: [Double]) -> Double {
        let prediction = model.predict(x)
        return logExpectedImprovement(mean: prediction.mean, variance: prediction.variance, best: best)
    }

    /// `taken`: points already evaluated or pending. On a discrete space the best point can be one
    /// of them (the model's noise leaves an evaluated point some expected improvement); the best
    /// point not taken is chosen instead, as long as there is one. Nor is a point closer than
    /// `pendingSeparation` to a `pending` one chosen: near convergence the fantasised trials leave
    /// so little improvement anywhere that the best of it can sit right beside one of them.
    func maximize(startingNear incumbent: [Double], anchors: [[Double]] = [], taken: Set<[Double]> = [], pending: [[Double]] = [],
                  random: inout SplitMix64) -> [Double] {
        func allowed(_ x: [Double]) -> Bool {
            !taken.contains(x) && pending.allSatisfy { other in
                zip(x, other).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } >= pendingSeparation * pendingSeparation
            }
        }
        let sobol = (try? SobolSequence(dimension: dimension, scrambleSeed: random.next()))
        var points: [[Double]] = []
        points.reserveCapacity(candidateCount + anchorCandidates)
        for i in 0..<candidateCount {
            points.append(grid.snap(sobol?.point(index: UInt32(i)) ?? (0..<dimension).map { _ in SplitMix64.unitDouble(random.next()) }))
        }
        for i in 0..<anchorCandidates where !anchors.isEmpty {
            let anchor = anchors[i % anchors.count]
            let width = [0.2, 0.05, 0.01][i % 3]
            points.append(grid.snap(anchor.map { min(max($0 + width * (SplitMix64.unitDouble(random.next()) * 2 - 1), 0), 1) }))
        }
        var candidates: [(point: [Double], value: Double)] = []
        candidates.reserveCapacity(points.count)
        for chunk in stride(from: 0, to: points.count, by: 256) {
            let slice = Array(points[chunk..<min(chunk + 256, points.count)])
            for (x, prediction) in zip(slice, model.predict(batch: slice)) {
                candidates.append((x, logExpectedImprovement(mean: prediction.mean, variance: prediction.variance, best: best)))
            }
        }
        let top = candidates.indices.max { candidates[$0].value < candidates[$1].value }!
        var starts = [candidates[top].point, grid.snap(incumbent)]
        // Roulette: the weights are EI relative to the best candidate's.
        var weights = candidates.map { exp($0.value - candidates[top].value) }
        weights[top] = 0
        for _ in 0..<(localSearches - 1) {
            let total = weights.reduce(0, +)
            guard total > 0, total.isFinite else { break }
            var ticket = SplitMix64.unitDouble(random.next()) * total
            var pick = 0
            while pick < weights.count - 1 && (ticket >= weights[pick] || weights[pick] == 0) {
                ticket -= weights[pick]
                pick += 1
            }
            starts.append(candidates[pick].point)
            weights[pick] = 0
        }
        let options = choiceOptions(random: &random)
        var result: (point: [Double], value: Double)?
        for candidate in starts.map({ localSearch(from: $0, options: options) }) + [candidates[top]] where allowed(candidate.point) {
            if candidate.value > result?.value ?? -.infinity { result = candidate }
        }
        if result == nil { result = candidates.filter { allowed($0.point) }.max { $0.value < $1.value } }
        return result?.point ?? candidates[top].point
    }

    /// Per categorical coordinate, the options a local search tries (nil for numeric ones): all of
    /// them up to `exhaustiveChoiceLimit`; beyond, those of the model's points and one more that
    /// none of them has (every such option has the same prediction, whatever the others).
    func choiceOptions(random: inout SplitMix64) -> [[Int]?] {
        categories.indices.map { d -> [Int]? in
            guard let count = categories[d] else { return nil }
            guard count > exhaustiveChoiceLimit else { return Array(0..<count) }
            let seen = Set(model.points.map { ParameterExpression.cell($0[d], count: count) })
            var options = seen.sorted()
            guard seen.count < count else { return options }
            var unseen = ParameterExpression.cell(SplitMix64.unitDouble(random.next()), count: count)
            while seen.contains(unseen) { unseen = (unseen + 1) % count }
            options.append(unseen)
            return options
        }
    }

    func localSearch(from start: [Double], options: [[Int]?]) -> (point: [Double], value: Double) {
        var current = (point: start, value: value(start))
        let numeric = (0..<dimension).filter { categories[$0] == nil }
        let lengthScales = numeric.map { model.hyperparameters.lengthScale($0) }
        for _ in 0..<3 {
            var changed = false
            if !numeric.isEmpty {
                let refined = gradientAscent(from: current, numeric: numeric, lengthScales: lengthScales)
                if refined.value > current.value + 1e-12 { current = refined; changed = true }
            }
            for d in 0..<dimension {
                guard let count = categories[d], let tried = options[d] else { continue }
                for option in tried {
                    var x = current.point
                    x[d] = ParameterExpression.cellCentre(option, count: count)
                    guard x[d] != current.point[d] else { continue }
                    let candidate = value(x)
                    if candidate > current.value + 1e-12 { current = (x, candidate); changed = true }
                }
            }
            if !changed || numeric.count == dimension { break }
        }
        // Discrete coordinates moved freely in the gradient steps; put them back on their values.
        let onGrid = grid.snap(current.point)
        return onGrid == current.point ? current : (onGrid, value(onGrid))
    }

    /// L-BFGS on z = x / ℓ over the numeric coordinates.
    private func gradientAscent(from start: (point: [Double], value: Double), numeric: [Int], lengthScales: [Double]) -> (point: [Double], value: Double) {
        func point(_ z: [Double]) -> [Double] {
            var x = start.point
            for (k, d) in numeric.enumerated() { x[d] = z[k] * lengthScales[k] }
            return x
        }
        let optimizer = BoundedLBFGS(maximumIterations: 100, gradientTolerance: 1e-3)
        let result = optimizer.minimize(from: numeric.enumerated().map { start.point[$0.element] / lengthScales[$0.offset] },
                                        lower: numeric.map { _ in 0 }, upper: lengthScales.map { 1 / $0 }) { z in
            let prediction = model.predictWithGradient(point(z))
            let ei = logExpectedImprovementWithSlopes(mean: prediction.mean, variance: prediction.variance, best: best)
            let gradient = numeric.enumerated().map { k, d in
                -(ei.dMean * prediction.meanGradient[d] + ei.dVariance * prediction.varianceGradient[d]) * lengthScales[k]
            }
            return (-ei.value, { gradient })
        }
        let x = point(result.point)
        return (x, value(x))
    }
}
