#if canImport(Glibc)
import Glibc
#endif

/// `BayesianSamplingAlgorithm()`: Gaussian-process Bayesian optimisation over the unit cube.
///
/// - Initial design: the first `max(d + 1, 10)` trials follow a scrambled Sobol sequence.
/// - Model: a GP (`GaussianProcess`, Matérn-5/2 with per-dimension length scales; a Choice
///   coordinate compares categories, same or different, never their order) on the completed
///   trials' values, standardised (sign-flipped for maximize). Hyperparameters maximise the log
///   marginal likelihood plus log-normal priors (length scales around 0.3, at most 1), by a
///   coordinate search in log space warm-started from the previous fit; refitted at every observation up to 60 points, then
///   every n/30 observations. Beyond 300 observations the model uses the best 150 and the 150
///   most recent (so a suggestion stays bounded in time).
/// - Acquisition: log expected improvement, maximised over 1024 scrambled-Sobol candidates plus 512
///   perturbations of the best points, then refined by a shrinking coordinate search.
/// - Pending trials (asked, not told) are fantasised at the current best value (constant liar), so
///   concurrent suggestions differ.
/// - Failed trials are left out (their region stays uncertain); early-stopped (canceled) trials
///   enter with their last reported value when they have one, as they were stopped for being poor.
/// Seeded by the sweep's seed: the same seed and the same results give the same suggestions.
public final class BayesianSampler: Sampler {
    public static let name = "bayesian"
    let dimension: Int
    let seed: UInt64
    let initialDesign: Int
    let sobol: SobolSequence
    private var observed: [Int: (point: [Double], value: Double)] = [:]
    private var suggested: [Int: [Double]] = [:]
    private var finished: Set<Int> = []
    private var hyperparameters: GaussianProcess.Hyperparameters
    private var warpedHyperparameters: GaussianProcess.Hyperparameters
    private var useWarping = false
    private var observationsAtLastFit = 0
    private var fits = 0
    let sobolCandidates = 1024
    let anchorCandidates = 512

    /// Per coordinate: the number of options of a Choice (a categorical coordinate), else nil.
    let categories: [Int?]

    public init(space: SearchSpace, seed: UInt64) throws(SweepKitError) {
        let dimension = space.dimension
        var categories = [Int?](repeating: nil, count: dimension)
        func mark(_ expression: ParameterExpression, at offset: Int) {
            guard case .choice(let options) = expression else { return }
            categories[offset] = options.count
            var nested = offset + 1
            for option in options {
                guard case .nested(let entries) = option else { continue }
                for entry in entries {
                    if case .expression(let inner) = entry.content {
                        mark(inner, at: nested)
                        nested += inner.dimension
                    }
                }
            }
        }
        var offset = 0
        for parameter in space.parameters {
            mark(parameter.expression, at: offset)
            offset += parameter.expression.dimension
        }
        self.categories = categories
        self.dimension = dimension
        self.seed = seed
        initialDesign = max(dimension + 1, 10)
        sobol = try SobolSequence(dimension: dimension, scrambleSeed: seed)
        hyperparameters = .initial(dimension: dimension)
        warpedHyperparameters = .initial(dimension: dimension)
    }

    public func observe(_ observation: TrialObservation) {
        finished.insert(observation.trialNumber)
        guard observation.state != .failed, let value = observation.value, value.isFinite else { return }
        observed[observation.trialNumber] = (observation.point, observation.goal == .maximize ? -value : value)
    }

    public func suggest(trialNumber: Int) throws(SweepKitError) -> [Double]? {
        let point = try propose(trialNumber: trialNumber)
        suggested[trialNumber] = point
        return point
    }

    private func propose(trialNumber: Int) throws(SweepKitError) -> [Double] {
        guard observed.count >= min(initialDesign, 2), trialNumber >= initialDesign else {
            return sobol.point(index: UInt32(truncatingIfNeeded: trialNumber))
        }
        var data = observed.sorted { $0.key < $1.key }.map(\.value)
        if data.count > 300 {
            let best = data.sorted { $0.value < $1.value }.prefix(150)
            data = Array(best) + data.suffix(150)
        }
        let rawValues = data.map(\.value)
        let raw = Self.standardize(rawValues)
        let sortedValues = rawValues.sorted()
        let minimum = sortedValues[0], medianValue = sortedValues[sortedValues.count / 2]
        let offset = max(0.01 * (medianValue - minimum), 1e-12)
        let warped = Self.standardize(rawValues.map { log($0 - minimum + offset) })
        let warpJacobian = rawValues.reduce(0) { $0 - log($1 - minimum + offset) }
        var points = data.map(\.point)
        let refit = observationsAtLastFit == 0 || data.count < 60 || data.count - observationsAtLastFit >= max(1, data.count / 30)
        if refit {
            let plain = fit(points: points, targets: raw.values, from: hyperparameters)
            let logged = fit(points: points, targets: warped.values, from: warpedHyperparameters)
            hyperparameters = plain.hyperparameters
            warpedHyperparameters = logged.hyperparameters
            let plainEvidence = plain.score - Double(rawValues.count) * log(raw.scale)
            let warpedEvidence = logged.score - Double(rawValues.count) * log(warped.scale) + warpJacobian
            useWarping = warpedEvidence > plainEvidence
            observationsAtLastFit = data.count
        }
        var targets = useWarping ? warped.values : raw.values
        let chosen = useWarping ? warpedHyperparameters : hyperparameters
        let incumbent = targets.min() ?? 0
        // Constant liar: pending trials count as already observed at the best value.
        for (number, point) in suggested.sorted(by: { $0.key < $1.key }) where !finished.contains(number) {
            points.append(point)
            targets.append(incumbent)
        }
        let hyperparameters = chosen
        guard let model = GaussianProcess(points: points, targets: targets, hyperparameters: hyperparameters, categories: categories) else {
            return sobol.point(index: UInt32(truncatingIfNeeded: trialNumber))  // degenerate: fall back to the design
        }
        return maximizeAcquisition(model, best: incumbent, trialNumber: trialNumber, anchors: data.sorted { $0.value < $1.value }.prefix(8).map(\.point))
    }

    /// Coordinate search on the log marginal likelihood + log prior, in log space.
    static func standardize(_ values: [Double]) -> (values: [Double], scale: Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        let spread = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
        let scale = spread > 1e-12 ? spread : 1
        return (values.map { ($0 - mean) / scale }, scale)
    }

    func fit(points: [[Double]], targets: [Double], from start: GaussianProcess.Hyperparameters) -> (hyperparameters: GaussianProcess.Hyperparameters, score: Double) {
        func score(_ h: GaussianProcess.Hyperparameters) -> Double {
            guard let gp = GaussianProcess(points: points, targets: targets, hyperparameters: h, categories: categories) else { return -.infinity }
            return gp.logMarginalLikelihood + h.logPrior
        }
        // Warm-started from the previous fit; from the default too on every fifth fit, so a poor
        // local optimum of the likelihood is not inherited for ever.
        let fromPrevious = search(from: start, step: 0.5, score: score)
        fits += 1
        guard fits % 5 == 1 else { return fromPrevious }
        let fromDefault = search(from: .initial(dimension: dimension), step: 1.0, score: score)
        return fromPrevious.score >= fromDefault.score ? fromPrevious : fromDefault
    }

    private func search(from start: GaussianProcess.Hyperparameters, step initialStep: Double,
                        score: (GaussianProcess.Hyperparameters) -> Double) -> (hyperparameters: GaussianProcess.Hyperparameters, score: Double) {
        var best = start
        var bestScore = score(best)
        var step = initialStep
        while step >= 0.05 {
            var improved = false
            for index in best.values.indices {
                for direction in [1.0, -1.0] {
                    var candidate = best
                    candidate.values[index] = GaussianProcess.Hyperparameters.clamp(best.values[index] + direction * step, index: index, dimension: dimension)
                    let candidateScore = score(candidate)
                    if candidateScore > bestScore + 1e-9 {
                        best = candidate
                        bestScore = candidateScore
                        improved = true
                        break
                    }
                }
            }
            if !improved { step /= 2 }
        }
        return (best, bestScore)
    }

    private func maximizeAcquisition(_ model: GaussianProcess, best: Double, trialNumber: Int, anchors: [[Double]]) -> [Double] {
        var random = SplitMix64(seed: seed &+ UInt64(truncatingIfNeeded: trialNumber) &* 0x9E37_79B9)
        let candidates = (try? SobolSequence(dimension: dimension, scrambleSeed: random.next())) ?? sobol
        // Categorical coordinates sit at the centre of their option's cell.
        func snapped(_ x: [Double]) -> [Double] {
            var x = x
            for d in 0..<dimension { if let count = categories[d] { x[d] = (Double(ParameterExpression.cell(x[d], count: count)) + 0.5) / Double(count) } }
            return x
        }
        func acquisition(_ x: [Double]) -> Double {
            let prediction = model.predict(x)
            return logExpectedImprovement(mean: prediction.mean, variance: prediction.variance, best: best)
        }
        var scored: [(point: [Double], value: Double)] = []
        for i in 0..<sobolCandidates {
            let x = snapped(candidates.point(index: UInt32(i)))
            scored.append((x, acquisition(x)))
        }
        for i in 0..<anchorCandidates where !anchors.isEmpty {
            let anchor = anchors[i % anchors.count]
            let width = [0.2, 0.05, 0.01][i % 3]
            let x = snapped(anchor.map { min(max($0 + width * (SplitMix64.unitDouble(random.next()) * 2 - 1), 0), 1) })
            scored.append((x, acquisition(x)))
        }
        scored.sort { $0.value > $1.value }
        var best = scored[0]
        for start in scored.prefix(3) {
            var current = start
            var step = 0.05
            while step > 1e-4 {
                var improved = false
                for d in 0..<dimension {
                    // A categorical coordinate tries every other option; a numeric one moves by ±step.
                    let moves: [Double] = categories[d].map { count in (0..<count).map { (Double($0) + 0.5) / Double(count) } }
                        ?? [min(current.point[d] + step, 1), max(current.point[d] - step, 0)]
                    for move in moves where move != current.point[d] {
                        var x = current.point
                        x[d] = move
                        let value = acquisition(x)
                        if value > current.value {
                            current = (x, value)
                            improved = true
                        }
                    }
                }
                if !improved { step /= 2 }
            }
            if current.value > best.value { best = current }
        }
        return best.point
    }
}
