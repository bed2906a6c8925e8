import XCTest
@testable import SweepKit

final class BayesianSamplerTests: XCTestCase {
    func sweep(_ space: SearchSpace, seed: Int = 1, goal: Goal = .minimize) throws -> Sweep {
        try Sweep(space: space, sampler: SamplingAlgorithm(type: "bayesian", seed: seed), goal: goal)
    }

    func branin(_ p: JSONObject) -> Double {
        let x1 = p["x1"]!.number!, x2 = p["x2"]!.number!
        let b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi, t = 1 / (8 * Double.pi)
        return pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * cos(x1) + 10
    }

    func testTheSameSeedGivesTheSameSweep() throws {
        let space = try SearchSpace(["x1": .uniform(min: -5, max: 10), "x2": .uniform(min: 0, max: 15)])
        let a = try sweep(space, seed: 4), b = try sweep(space, seed: 4)
        try a.run(maxTrials: 14) { self.branin($0.params) }  // the 10-point design, then the GP
        try b.run(maxTrials: 14) { self.branin($0.params) }
        XCTAssertEqual(a.trials.map(\.params), b.trials.map(\.params))
        let c = try sweep(space, seed: 5)
        try c.run(maxTrials: 14) { self.branin($0.params) }
        XCTAssertNotEqual(a.trials.map(\.params), c.trials.map(\.params))
    }

    /// GP-EI models Branin: after 30 trials its best beats its own Sobol design and random search
    /// with the same budget, for each seed. (No distance-to-optimum threshold: how close 30 trials
    /// get depends on the seed, 0.0002 to 0.21 over seeds 1-15; these comparisons held for all 15.)
    func testItImprovesOnItsDesignAndOnRandomSearchForEverySeed() throws {
        let space = try SearchSpace(["x1": .uniform(min: -5, max: 10), "x2": .uniform(min: 0, max: 15)])
        for seed in 1...3 {
            let bayesian = try sweep(space, seed: seed)
            try bayesian.run(maxTrials: 30) { self.branin($0.params) }
            let random = try Sweep(space: space, sampler: .random(seed: seed), goal: .minimize)
            try random.run(maxTrials: 30) { self.branin($0.params) }
            let best = try XCTUnwrap(bayesian.best?.value)
            XCTAssertLessThan(best, bayesian.trials.prefix(10).compactMap(\.value).min()!, "seed \(seed): no better than its design")
            XCTAssertLessThan(best, try XCTUnwrap(random.best?.value), "seed \(seed): no better than random search")
        }
    }

    func testPendingTrialsGetDifferentSuggestions() throws {
        let space = try SearchSpace(["x": .uniform(min: 0, max: 1), "y": .uniform(min: 0, max: 1)])
        let sweep = try sweep(space)
        try sweep.run(maxTrials: 12) { pow($0.params["x"]!.number! - 0.3, 2) + pow($0.params["y"]!.number! - 0.6, 2) }
        let concurrent = try (0..<4).map { _ in try XCTUnwrap(try sweep.ask()) }
        XCTAssertEqual(Set(concurrent.map { JSONValue.object($0.params).jsonText }).count, 4)
        for trial in concurrent {
            let minimumDistance = concurrent.filter { $0.number != trial.number }.map { other in
                zip(trial.point, other.point).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            }.min()!
            XCTAssertGreaterThan(minimumDistance, 1e-3)
        }
    }

    /// Four trials always pending (max_concurrent_trials 4: the oldest is told, then the next asked)
    /// must still beat its own initial design and random search on Branin, as sequential trials do.
    /// A constant liar at the best value failed this: its suggestions fled to the corners.
    func testFourConcurrentTrialsStillConverge() throws {
        let space = try SearchSpace(["x1": .uniform(min: -5, max: 10), "x2": .uniform(min: 0, max: 15)])
        for seed in 1...3 {
            let bayesian = try sweep(space, seed: seed)
            var pending: [Trial] = []
            var told = 0
            while told < 30 {
                while pending.count < 4, let trial = try bayesian.ask() { pending.append(trial) }
                let oldest = pending.removeFirst()
                try bayesian.tell(oldest.number, value: branin(oldest.params))
                told += 1
            }
            let random = try Sweep(space: space, sampler: .random(seed: seed), goal: .minimize)
            try random.run(maxTrials: 30) { self.branin($0.params) }
            let best = try XCTUnwrap(bayesian.best?.value)
            XCTAssertLessThan(best, bayesian.trials.prefix(10).compactMap(\.value).min()!, "seed \(seed): no better than its design")
            XCTAssertLessThan(best, try XCTUnwrap(random.best?.value), "seed \(seed): no better than random search")
            XCTAssertLessThan(best, 0.397887 + 0.5, "seed \(seed): not near Branin's minimum (0.397887)")
        }
    }

    func testDegenerateObjectivesDoNotBreakTheModel() throws {
        let space = try SearchSpace(["x": .uniform(min: 0, max: 1), "c": .choice([.literal("a"), .literal("b")])])
        let constant = try sweep(space)
        try constant.run(maxTrials: 20) { _ in 1.0 }
        XCTAssertEqual(constant.trials.filter { $0.state == .completed }.count, 20)
        // The same point reported again and again (duplicates) and a one-dimensional space.
        let single = try sweep(try SearchSpace(["x": .uniform(min: 0, max: 1)]))
        for _ in 0..<15 {
            let trial = try XCTUnwrap(try single.ask())
            try single.tell(trial.number, value: 0.5)
        }
        XCTAssertNotNil(try single.ask())
    }

    func testTwentyDimensionsAndFailedTrials() throws {
        let space = try SearchSpace((0..<20).map { SearchSpace.Parameter(name: "x\($0)", expression: .uniform(min: 0, max: 1)) })
        let sweep = try sweep(space)
        for n in 0..<30 {
            let trial = try XCTUnwrap(try sweep.ask())
            if n % 5 == 0 {
                try sweep.tell(trial.number, value: nil, state: .failed)
            } else {
                try sweep.tell(trial.number, value: trial.point.reduce(0) { $0 + ($1 - 0.5) * ($1 - 0.5) })
            }
        }
        XCTAssertEqual(sweep.trials.count, 30)
        XCTAssertTrue(sweep.trials.allSatisfy { $0.point.allSatisfy { $0 >= 0 && $0 <= 1 } })
    }

    /// Options of a Choice are categories: any two different ones are equally far apart, whatever
    /// their order, and the sampler finds the best option even when its neighbours are the worst.
    func testChoicesAreCategoriesNotOrderedNumbers() throws {
        let hyperparameters = GaussianProcess.Hyperparameters.initial(dimension: 1)
        let cells = [0.125, 0.375, 0.625, 0.875]  // four options
        let near = GaussianProcess.kernel([cells[0]], [cells[1]], hyperparameters, [4])
        let far = GaussianProcess.kernel([cells[0]], [cells[3]], hyperparameters, [4])
        XCTAssertEqual(near, far)
        XCTAssertEqual(GaussianProcess.kernel([0.05], [0.2], hyperparameters, [4]), hyperparameters.signalVariance, "same cell, same category")

        let options = ["a", "b", "c", "d", "e", "f"].map { ChoiceOption.literal(.string($0)) }
        let space = try SearchSpace(["option": .choice(options), "x": .uniform(min: 0, max: 1)])
        let score: [String: Double] = ["a": 3, "b": 9, "c": 0, "d": 9, "e": 3, "f": 4]
        let sweep = try sweep(space, seed: 2)
        try sweep.run(maxTrials: 30) { score[$0.params["option"]!.string!]! + pow($0.params["x"]!.number! - 0.5, 2) }
        // The best trial picks c, and most of the last ten do (6 to 8 of them over seeds 1-12).
        XCTAssertEqual(sweep.best?.params["option"], "c")
        let late = sweep.trials.suffix(10).map { $0.params["option"]!.string! }
        XCTAssertGreaterThan(late.filter { $0 == "c" }.count, 5, "\(late)")
    }

    func testLogExpectedImprovementIsFiniteFarInTheTail() {
        XCTAssertEqual(logExpectedImprovement(mean: 0, variance: 1, best: 0), log(1 / (2 * Double.pi).squareRoot()), accuracy: 1e-12)
        let tail = logExpectedImprovement(mean: 40, variance: 1, best: 0)
        XCTAssertTrue(tail.isFinite && tail < -700)
        XCTAssertLessThan(logExpectedImprovement(mean: 10, variance: 1, best: 0), logExpectedImprovement(mean: 9, variance: 1, best: 0))
    }

    // MARK: - Numerics against finite differences

    func randomPoints(_ count: Int, dimension: Int, seed: UInt64) -> [[Double]] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in (0..<dimension).map { _ in SplitMix64.unitDouble(random.next()) } }
    }

    func testMarginalLikelihoodGradientMatchesFiniteDifferences() throws {
        let points = randomPoints(25, dimension: 3, seed: 7)
        let categories: [Int?] = [nil, 3, nil]
        let targets = points.map { sin(6 * $0[0]) + ($0[1] > 0.5 ? 1 : 0) + $0[2] * $0[2] }
        let h = GaussianProcess.Hyperparameters(values: [log(0.4), log(0.8), log(1.3), log(0.9), log(2e-3)])
        let gp = try XCTUnwrap(GaussianProcess(points: points, targets: targets, hyperparameters: h, categories: categories))
        let analytic = gp.logMarginalLikelihoodGradient()
        let priorAnalytic = h.logPriorGradient
        for index in h.values.indices {
            var up = h, down = h
            up.values[index] += 1e-6
            down.values[index] -= 1e-6
            let upGP = try XCTUnwrap(GaussianProcess(points: points, targets: targets, hyperparameters: up, categories: categories))
            let downGP = try XCTUnwrap(GaussianProcess(points: points, targets: targets, hyperparameters: down, categories: categories))
            let numeric = (upGP.logMarginalLikelihood - downGP.logMarginalLikelihood) / 2e-6
            XCTAssertEqual(analytic[index], numeric, accuracy: 1e-5 * max(1, abs(numeric)), "log marginal likelihood, value \(index)")
            XCTAssertEqual(priorAnalytic[index], (up.logPrior - down.logPrior) / 2e-6, accuracy: 1e-5, "log prior, value \(index)")
        }
    }

    func testPosteriorGradientMatchesFiniteDifferences() throws {
        let points = randomPoints(30, dimension: 2, seed: 3)
        let targets = points.map { cos(5 * $0[0]) * $0[1] }
        let h = GaussianProcess.Hyperparameters(values: [log(0.3), log(0.6), 0, log(1e-4)])
        let gp = try XCTUnwrap(GaussianProcess(points: points, targets: targets, hyperparameters: h, categories: [nil, nil]))
        for x in randomPoints(5, dimension: 2, seed: 11) {
            let prediction = gp.predictWithGradient(x)
            XCTAssertEqual(prediction.mean, gp.predict(x).mean, accuracy: 1e-12)
            XCTAssertEqual(prediction.variance, gp.predict(x).variance, accuracy: 1e-12)
            for d in 0..<2 {
                var up = x, down = x
                up[d] += 1e-6
                down[d] -= 1e-6
                let meanSlope = (gp.predict(up).mean - gp.predict(down).mean) / 2e-6
                let varianceSlope = (gp.predict(up).variance - gp.predict(down).variance) / 2e-6
                XCTAssertEqual(prediction.meanGradient[d], meanSlope, accuracy: 1e-5 * max(1, abs(meanSlope)))
                XCTAssertEqual(prediction.varianceGradient[d], varianceSlope, accuracy: 1e-5 * max(1, abs(varianceSlope)))
            }
        }
    }

    func testLogExpectedImprovementSlopesMatchFiniteDifferencesInTheBodyAndTheTail() {
        for (mean, variance) in [(0.0, 1.0), (0.3, 0.2), (4.0, 0.5), (9.0, 1.0), (30.0, 0.7)] {
            let slopes = logExpectedImprovementWithSlopes(mean: mean, variance: variance, best: 0)
            let h = 1e-6
            let dMean = (logExpectedImprovement(mean: mean + h, variance: variance, best: 0) - logExpectedImprovement(mean: mean - h, variance: variance, best: 0)) / (2 * h)
            let dVariance = (logExpectedImprovement(mean: mean, variance: variance + h, best: 0) - logExpectedImprovement(mean: mean, variance: variance - h, best: 0)) / (2 * h)
            XCTAssertEqual(slopes.dMean, dMean, accuracy: 1e-4 * max(1, abs(dMean)), "mean \(mean)")
            XCTAssertEqual(slopes.dVariance, dVariance, accuracy: 1e-4 * max(1, abs(dVariance)), "mean \(mean)")
        }
    }

    func testBoundedLBFGSFindsConstrainedAndUnconstrainedMinima() {
        // Rosenbrock's valley, unconstrained minimum at (1, 1).
        let rosenbrock = BoundedLBFGS(maximumIterations: 500, gradientTolerance: 1e-8, valueTolerance: 0).minimize(
            from: [-1.2, 1], lower: [-5, -5], upper: [5, 5]) { x in
            let a = x[1] - x[0] * x[0]
            return (100 * a * a + (1 - x[0]) * (1 - x[0]), { [-400 * x[0] * a - 2 * (1 - x[0]), 200 * a] })
        }
        XCTAssertEqual(rosenbrock.point[0], 1, accuracy: 1e-4)
        XCTAssertEqual(rosenbrock.point[1], 1, accuracy: 1e-4)
        // A bowl centred outside the box: the minimum sits on the boundary (x = 1), y free (0.3).
        let bowl = BoundedLBFGS().minimize(from: [0.2, 0.9], lower: [0, 0], upper: [1, 1]) { x in
            ((x[0] - 2) * (x[0] - 2) + (x[1] - 0.3) * (x[1] - 0.3), { [2 * (x[0] - 2), 2 * (x[1] - 0.3)] })
        }
        XCTAssertEqual(bowl.point[0], 1, accuracy: 1e-9)
        XCTAssertEqual(bowl.point[1], 0.3, accuracy: 1e-5)
    }

    /// The output model follows the evidence: the strong log warp for values spanning orders of
    /// magnitude (Rosenbrock's valley); for a bounded wave plain standardisation or the mild warp,
    /// which is nearly linear over values that span no orders of magnitude.
    func testTheStrongLogWarpIsChosenForValuesSpanningOrdersOfMagnitudeOnly() throws {
        let space = try SearchSpace(["x": .uniform(min: -2, max: 2), "y": .uniform(min: -1, max: 3)])
        func sampler(after trials: Int, _ objective: (Double, Double) -> Double) throws -> BayesianSampler {
            let sampler = try BayesianSampler(space: space, seed: 3)
            for number in 0..<trials {
                let u = try XCTUnwrap(try sampler.suggest(trialNumber: number))
                let (x, y) = (-2 + 4 * u[0], -1 + 4 * u[1])
                sampler.observe(TrialObservation(trialNumber: number, point: u, state: .completed, value: objective(x, y), goal: .minimize))
            }
            _ = try sampler.suggest(trialNumber: trials)
            return sampler
        }
        XCTAssertEqual(try sampler(after: 30) { x, y in 100 * pow(y - x * x, 2) + pow(1 - x, 2) }.warpOffset, BayesianSampler.warpOffsets.min())
        let wave = try sampler(after: 30) { x, y in sin(3 * x) + cos(2 * y) }.warpOffset
        XCTAssertTrue(wave == nil || wave == BayesianSampler.warpOffsets.max(), "\(String(describing: wave))")
    }

    /// Discrete expressions snap to one coordinate per value: the same value back, the same
    /// coordinate for every point of a value's cell (so the GP sees repeated values as one point).
    func testDiscreteCoordinatesSnapToOneCoordinatePerValue() {
        let expressions: [ParameterExpression] = [
            .randint(upper: 7), .qUniform(min: 0, max: 10, q: 3), .qLogUniform(min: 0, max: log(100), q: 5),
            .qNormal(mu: 2, sigma: 3, q: 1), .qLogNormal(mu: 1, sigma: 0.5, q: 2),
        ]
        for logBase in [SearchSpace.naturalLogBase, 10] {
            for expression in expressions {
                var byValue: [String: Double] = [:]
                for i in 0..<2000 {
                    let u = (Double(i) + 0.5) / 2000
                    let canonical = expression.canonicalCoordinate(u, logBase: logBase)
                    let value = [u].withUnsafeBufferPointer { expression.value(at: $0, offset: 0, logBase: logBase) }
                    let back = [canonical].withUnsafeBufferPointer { expression.value(at: $0, offset: 0, logBase: logBase) }
                    XCTAssertEqual(back, value, "\(expression) at \(u)")
                    if let seen = byValue[value.jsonText] { XCTAssertEqual(seen, canonical, "\(expression): one coordinate per value") }
                    byValue[value.jsonText] = canonical
                }
            }
        }
        XCTAssertEqual(ParameterExpression.uniform(min: 0, max: 1).canonicalCoordinate(0.123, logBase: SearchSpace.naturalLogBase), 0.123)
    }

    /// A deterministic objective on a small discrete space: "a configuration already evaluated (or
    /// pending) is not suggested again while an unevaluated one remains" (README), so 40 trials are
    /// 40 configurations; and the optimum is found (by trial 31 at the latest over seeds 0-7).
    func testDiscreteSpacesAreNotResampledOverAndOver() throws {
        let space = try SearchSpace(["a": .qUniform(min: 0, max: 10, q: 1), "b": .randint(upper: 8),
                                     "c": .qLogUniform(min: 0, max: log(100), q: 5)])
        let sweep = try sweep(space, seed: 0)
        try sweep.run(maxTrials: 40) { trial in
            let a = trial.params["a"]!.number!, b = trial.params["b"]!.number!, c = trial.params["c"]!.number!
            return pow(a - 3, 2) + pow(b - 5, 2) + pow(c - 40, 2) / 100
        }
        let configurations = Set(sweep.trials.map { JSONValue.object($0.params).jsonText })
        XCTAssertEqual(configurations.count, 40, "\(40 - configurations.count) repeated configurations")
        XCTAssertEqual(sweep.best!.value!, 0)
    }
}
