#if canImport(Glibc)
import Glibc
#endif

/// `BayesianSamplingAlgorithm()`: Gaussian-process Bayesian optimisation over the unit cube.
///
/// - Initial design: the first `max(d + 1, 10)` trials follow a scrambled Sobol sequence.
/// - Model: a GP (`GaussianProcess`, Matérn-5/2 with per-dimension length scales; a Choice
///   coordinate compares categories, same or different, never their order) on the completed
///   trials' values (sign-flipped for maximize). Three output models are fitted, standardised
///   values and two log warps (`OutputTransform`, `warpOffsets`); the one with the highest
///   evidence is used.
///   Hyperparameters are the MAP estimate (marginal likelihood × priors, see
///   `GaussianProcess.Hyperparameters`) by bounded L-BFGS with analytic gradients, warm-started
///   from the previous fit (and from the default on every fifth fit); refitted at every
///   observation up to 60, then every n/30 observations. Beyond 300 observations the model uses the
///   best 150 and the 150 most recent, so a suggestion stays bounded in time.
/// - Acquisition: log expected improvement, maximised by `AcquisitionOptimizer` (Sobol and local
///   candidates, then L-BFGS from the best ones).
/// - Discrete coordinates snap onto their values (`CoordinateGrid`), and an evaluated or pending
///   configuration is not suggested again while another remains.
/// - Pending trials (asked, not told) are fantasised at the model's mean there (Kriging believer),
///   and the best of those means counts as reached, so concurrent suggestions differ without
///   leaving the promising regions.
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
    /// The offsets (fractions of median − min) of the log warps the evidence chooses from, beside
    /// plain standardisation: a strong warp and a mild one. On BBOB (d = 2, 5; 30 instances) a
    /// single strong warp (0.1) lost to plain standardisation on ill-conditioned quadratics and
    /// Rosenbrock in 2-D; the pair 0.3 / 3 was better on 33 of 96 pairs, worse on 13.
    static let warpOffsets = [0.3, 3.0]
    /// Per output model (0: standardised, k: log warp with `warpOffsets[k − 1]`), its last fit.
    private var hyperparameters: [GaussianProcess.Hyperparameters]
    /// The output model of the last fit, chosen by evidence.
    private(set) var outputModel = 0
    /// The offset of the log warp of the last model, nil when it was fitted to standardised values.
    var warpOffset: Double? { outputModel == 0 ? nil : Self.warpOffsets[outputModel - 1] }
    private var observationsAtLastFit = 0
    private var fits = 0

    /// Which coordinates are categories or discrete, and how points snap onto their values.
    let grid: CoordinateGrid
    var categories: [Int?] { grid.categories }

    public init(space: SearchSpace, seed: UInt64, logBase: Double = SearchSpace.naturalLogBase) throws(SweepKitError) {
        let dimension = space.dimension
        grid = CoordinateGrid(space: space, logBase: logBase)
        self.dimension = dimension
        self.seed = seed
        initialDesign = max(dimension + 1, 10)
        sobol = try SobolSequence(dimension: dimension, scrambleSeed: seed)
        hyperparameters = Array(repeating: .initial(dimension: dimension), count: Self.warpOffsets.count + 1)
    }

    public func observe(_ observation: TrialObservation) {
        finished.insert(observation.trialNumber)
        guard observation.state != .failed, let value = observation.value, value.isFinite else { return }
        observed[observation.trialNumber] = (grid.snap(observation.point), observation.goal == .maximize ? -value : value)
    }

    public func suggest(trialNumber: Int) throws(SweepKitError) -> [Double]? {
        let point = propose(trialNumber: trialNumber)
        suggested[trialNumber] = point
        return point
    }

    private func propose(trialNumber: Int) -> [Double] {
        guard observed.count >= min(initialDesign, 2), trialNumber >= initialDesign else {
            return sobol.point(index: UInt32(truncatingIfNeeded: trialNumber))
        }
        var data = observed.sorted { $0.key < $1.key }.map(\.value)
        if data.count > 300 {
            let best = data.sorted { $0.value < $1.value }.prefix(150)
            data = Array(best) + data.suffix(150)
        }
        var points = data.map(\.point)
        let values = data.map(\.value)
        if observationsAtLastFit == 0 || data.count < 60 || data.count - observationsAtLastFit >= max(1, data.count / 30) {
            // Every output model is fitted; the one with the highest evidence (marginal likelihood
            // of the original values, Jacobian included) is used until the next refit.
            var bestEvidence = -Double.infinity
            for k in hyperparameters.indices {
                let transform = outputTransform(k, values)
                let result = fit(points: points, targets: transform.targets, from: hyperparameters[k])
                hyperparameters[k] = result.hyperparameters
                if result.score + transform.logJacobian > bestEvidence {
                    bestEvidence = result.score + transform.logJacobian
                    outputModel = k
                }
            }
            observationsAtLastFit = data.count
        }
        let targets = outputTransform(outputModel, values).targets
        var incumbent = targets.min() ?? 0
        let incumbentPoint = points[targets.firstIndex(of: incumbent) ?? 0]
        let chosen = hyperparameters[outputModel]
        guard var model = GaussianProcess(points: points, targets: targets, hyperparameters: chosen, categories: categories) else {
            return sobol.point(index: UInt32(truncatingIfNeeded: trialNumber))  // degenerate: fall back to the design
        }
        // Kriging believer: pending trials count as observed at the model's mean there. The mean
        // stays as it was and only the uncertainty around them shrinks, so the next suggestion
        // keeps to the promising regions but away from what is already being evaluated. (A
        // constant liar at the best value flattened the region around the best point, and
        // suggestions at 4 concurrent trials fled to the corners: near-random regret on a sphere.)
        // A believed value below the best counts as reached: otherwise the improvement the model
        // expects at a pending point is still on offer right beside it, and concurrent suggestions
        // pile up there (BBOB with 4 pending: mean log10 regret 0.25 before, 0.17 after).
        let pending = suggested.sorted(by: { $0.key < $1.key }).filter { !finished.contains($0.key) }.map(\.value)
        if !pending.isEmpty {
            let believed = model.predict(batch: pending).map(\.mean)
            if let withPending = GaussianProcess(points: points + pending, targets: targets + believed,
                                                 hyperparameters: chosen, categories: categories) {
                model = withPending
                points += pending
                incumbent = min(incumbent, believed.min() ?? incumbent)
            }
        }
        var random = SplitMix64(seed: seed &+ UInt64(truncatingIfNeeded: trialNumber) &* 0x9E37_79B9)
        let optimizer = AcquisitionOptimizer(model: model, best: incumbent, grid: grid)
        return optimizer.maximize(startingNear: incumbentPoint, anchors: data.sorted { $0.value < $1.value }.prefix(8).map(\.point),
                                  taken: Set(points), pending: pending, random: &random)
    }

    /// Output model k's targets: 0 standardised, k a log warp with `warpOffsets[k − 1]`. Between
    /// refits only the chosen one is computed.
    private func outputTransform(_ k: Int, _ values: [Double]) -> OutputTransform {
        k == 0 ? .standardized(values) : .logWarped(values, offsetFraction: Self.warpOffsets[k - 1])
    }

    /// Maximum a posteriori hyperparameters: log marginal likelihood + log prior, by bounded L-BFGS
    /// in log space, warm-started from the previous fit.
    func fit(points: [[Double]], targets: [Double], from start: GaussianProcess.Hyperparameters) -> (hyperparameters: GaussianProcess.Hyperparameters, score: Double) {
        let bounds = GaussianProcess.Hyperparameters.bounds(dimension: dimension)
        func negativeScore(_ values: [Double]) -> (value: Double, gradient: () -> [Double]) {
            let h = GaussianProcess.Hyperparameters(values: values)
            guard let gp = GaussianProcess(points: points, targets: targets, hyperparameters: h, categories: categories) else {
                return (.infinity, { values.map { _ in 0 } })
            }
            return (-(gp.logMarginalLikelihood + h.logPrior), { zip(gp.logMarginalLikelihoodGradient(), h.logPriorGradient).map { -($0 + $1) } })
        }
        let optimizer = BoundedLBFGS(maximumIterations: 50, gradientTolerance: 1e-3)
        var best = optimizer.minimize(from: start.values, lower: bounds.lower, upper: bounds.upper, objective: negativeScore)
        // From the default as well on every fifth fit, so a poor local optimum of the likelihood
        // is not inherited for ever.
        fits += 1
        if fits % 5 == 1 {
            let fresh = optimizer.minimize(from: GaussianProcess.Hyperparameters.initial(dimension: dimension).values,
                                           lower: bounds.lower, upper: bounds.upper, objective: negativeScore)
            if fresh.value < best.value { best = fresh }
        }
        return (GaussianProcess.Hyperparameters(values: best.point), -best.value)
    }
}
