import SweepKit

/// How much of the objective's variation each parameter explains on its own: fANOVA main effects
/// (Hutter, Hoos & Leyton-Brown, "An Efficient Approach for Assessing Hyperparameter Importance",
/// ICML 2014) over a random forest, as Optuna's default `FanovaImportanceEvaluator` computes them.
///
/// A forest of regression trees (CART, variance reduction, bootstrap samples) models the objective
/// on the unit cube, each coordinate being a parameter's CDF under the search space's own
/// distribution (so the uniform measure on the cube is the distribution the sweep samples from).
/// A tree is piecewise constant on boxes, so its functional ANOVA decomposition is exact: the
/// marginal f_i(x_i) = ∫ f dx_{-i} is a step function, and parameter i's importance is the
/// variance of f_i over the total variance of f. Each tree gives one fraction per parameter; the
/// report shows their mean and standard deviation over the trees. Fractions need not sum to 1:
/// the rest is interactions (and, for a forest fitted to noisy results, noise it has learnt).
public struct ParameterImportance: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        /// The mean over trees of the fraction of the objective's variance this parameter's main
        /// effect explains.
        public let importance: Double
        /// The standard deviation of that fraction over the trees.
        public let spread: Double
    }

    public struct Options: Sendable {
        public var trees = 64
        /// Each tree is fitted to a bootstrap sample of this many trials at most (bounds the time
        /// for 10,000-trial sweeps; a forest of 64 such trees still sees every trial many times).
        public var maxSamples = 1024
        public var maxDepth = 64
        public var minSamplesLeaf = 1
        public var seed: UInt64 = 0x5EED_F0A0
        public init() {}
    }

    /// The parameters, most important first.
    public let entries: [Entry]
    /// How many trials the forest was fitted to.
    public let trials: Int
    public let trees: Int

    public static let method = "fANOVA main effects (Hutter et al., ICML 2014) over a random forest of 64 regression trees fitted to the completed trials' values; each parameter is placed on [0, 1] by its search-space distribution's CDF (a choice by its option's cell). Importance = variance of the parameter's marginal effect / total variance, averaged over trees (± standard deviation). The remainder is interactions between parameters."

    /// `features[f][i]`: trial i's coordinate of parameter f in [0, 1]. Nil with fewer than two
    /// trials, no feature, or a constant objective.
    public static func compute(names: [String], features: [[Double]], targets: [Double],
                               options: Options = Options()) -> ParameterImportance? {
        let n = targets.count
        guard n >= 2, !names.isEmpty, names.count == features.count, features.allSatisfy({ $0.count == n }),
            targets.allSatisfy(\.isFinite), let first = targets.first, targets.contains(where: { $0 != first })
        else { return nil }
        var generator = SplitMix64(seed: options.seed)
        var fractions = [[Double]](repeating: [], count: names.count)
        let sampleSize = min(n, options.maxSamples)
        let centre = targets.reduce(0, +) / Double(n)
        let centred = targets.map { $0 - centre }
        for _ in 0..<options.trees {
            let sample = (0..<sampleSize).map { _ in Int(generator.next() % UInt64(n)) }
            let tree = RegressionTree(features: features, targets: centred, sample: sample, options: options)
            guard let main = tree.mainEffects() else { continue }
            for f in names.indices { fractions[f].append(main[f]) }
        }
        guard let fitted = fractions.first?.count, fitted > 0 else { return nil }
        let entries = names.indices.map { f -> Entry in
            let mean = fractions[f].reduce(0, +) / Double(fitted)
            let variance = fractions[f].reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(fitted)
            return Entry(name: names[f], importance: mean, spread: variance.squareRoot())
        }
        return ParameterImportance(entries: entries.enumerated().sorted {
            $0.element.importance != $1.element.importance ? $0.element.importance > $1.element.importance : $0.offset < $1.offset
        }.map(\.element), trials: n, trees: fitted)
    }

    public var json: JSONValue {
        [
            "method": .string(Self.method), "trials": .int(trials), "trees": .int(trees),
            "parameters": .array(entries.map { ["name": .string($0.name), "importance": .double($0.importance),
                                                 "spread": .double($0.spread)] }),
        ]
    }
}

/// One CART regression tree on the unit cube, kept as its leaves (boxes with a constant value).
struct RegressionTree {
    let dimension: Int
    /// Leaf k's box is `lower[k*d ..< (k+1)*d]`, `upper[...]`; its value `values[k]`.
    private(set) var lower: [Double] = []
    private(set) var upper: [Double] = []
    private(set) var values: [Double] = []

    init(features: [[Double]], targets: [Double], sample: [Int], options: ParameterImportance.Options) {
        dimension = features.count
        var order = sample
        var pairs: [(x: Double, y: Double)] = []
        pairs.reserveCapacity(sample.count)
        var stack: [(start: Int, end: Int, depth: Int, lower: [Double], upper: [Double])] =
            [(0, order.count, 0, [Double](repeating: 0, count: dimension), [Double](repeating: 1, count: dimension))]
        while let node = stack.popLast() {
            let count = node.end - node.start
            var sum = 0.0, squares = 0.0
            for k in node.start..<node.end {
                sum += targets[order[k]]
                squares += targets[order[k]] * targets[order[k]]
            }
            var best: (feature: Int, threshold: Double, score: Double)?
            if node.depth < options.maxDepth, count >= 2 * options.minSamplesLeaf {
                // Splitting maximises sum_L²/n_L + sum_R²/n_R (the squared error's reduction).
                // A split must beat the parent by more than rounding can (equal values score equal).
                let parentScore = sum * sum / Double(count) + 1e-12 * squares
                for f in 0..<dimension {
                    pairs.removeAll(keepingCapacity: true)
                    for k in node.start..<node.end { pairs.append((features[f][order[k]], targets[order[k]])) }
                    pairs.sort { $0.x < $1.x }
                    var left = 0.0
                    for k in 1..<count {
                        left += pairs[k - 1].y
                        guard pairs[k - 1].x < pairs[k].x, k >= options.minSamplesLeaf, count - k >= options.minSamplesLeaf
                        else { continue }
                        let right = sum - left
                        let score = left * left / Double(k) + right * right / Double(count - k)
                        if score > (best?.score ?? parentScore) {
                            best = (f, (pairs[k - 1].x + pairs[k].x) / 2, score)
                        }
                    }
                }
            }
            guard let split = best else {
                lower += node.lower
                upper += node.upper
                values.append(sum / Double(count))
                continue
            }
            // Partition in place: samples below the threshold first.
            var middle = node.start
            for k in node.start..<node.end where features[split.feature][order[k]] < split.threshold {
                order.swapAt(k, middle)
                middle += 1
            }
            var leftUpper = node.upper
            leftUpper[split.feature] = split.threshold
            var rightLower = node.lower
            rightLower[split.feature] = split.threshold
            stack.append((node.start, middle, node.depth + 1, node.lower, leftUpper))
            stack.append((middle, node.end, node.depth + 1, rightLower, node.upper))
        }
    }

    /// Each dimension's fraction of the tree's variance explained by its marginal (nil for a
    /// constant tree). The marginal of dimension i is a step function between the leaves'
    /// boundaries in i; each leaf adds value × (volume / its width in i) on its own interval.
    func mainEffects() -> [Double]? {
        let leaves = values.count
        var volume = [Double](repeating: 1, count: leaves)
        for k in 0..<leaves {
            for f in 0..<dimension { volume[k] *= upper[k * dimension + f] - lower[k * dimension + f] }
        }
        var mean = 0.0
        for k in 0..<leaves { mean += volume[k] * values[k] }
        var total = 0.0
        for k in 0..<leaves { total += volume[k] * (values[k] - mean) * (values[k] - mean) }
        guard total > 0, total.isFinite else { return nil }
        return (0..<dimension).map { f in
            var bounds: [Double] = []
            bounds.reserveCapacity(2 * leaves)
            for k in 0..<leaves {
                bounds.append(lower[k * dimension + f])
                bounds.append(upper[k * dimension + f])
            }
            bounds.sort()
            var unique: [Double] = []
            for b in bounds where unique.last != b { unique.append(b) }
            var steps = [Double](repeating: 0, count: unique.count)
            for k in 0..<leaves {
                let lo = lower[k * dimension + f], hi = upper[k * dimension + f]
                let height = values[k] * volume[k] / (hi - lo)
                steps[Self.index(of: lo, in: unique)] += height
                steps[Self.index(of: hi, in: unique)] -= height
            }
            var level = 0.0
            var variance = 0.0
            for s in 0..<(unique.count - 1) {
                level += steps[s]
                variance += (unique[s + 1] - unique[s]) * (level - mean) * (level - mean)
            }
            return min(max(variance / total, 0), 1)
        }
    }

    private static func index(of value: Double, in sorted: [Double]) -> Int {
        var (lo, hi) = (0, sorted.count - 1)
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
