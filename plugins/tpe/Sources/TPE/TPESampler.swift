#if canImport(Glibc)
import Glibc
#endif
import SweepPluginKit

/// A multivariate Tree-structured Parzen Estimator (Bergstra et al. 2011; the joint form Optuna
/// uses by default since 5.0), over the unit cube SweepKit maps every expression to.
///
/// After `n_startup_trials` random trials, the completed trials are split into the best
/// γ(n) = min(⌈0.1·n⌉, 25) ("below") and the rest ("above"). Each group becomes a mixture of
/// product kernels (truncated Gaussians on [0, 1], one per observation, plus a wide prior kernel
/// at the centre), with Scott-style bandwidth 0.2·n^(−1/(d+4)). `n_ei_candidates` points are drawn
/// from the "below" mixture, and the one maximising log l(x) − log g(x) is proposed.
/// Options: `n_startup_trials` (10), `n_ei_candidates` (24), `prior_weight` (1.0).
/// Choice coordinates are treated as ordered cells of [0, 1] (the plugin sees only the cube).
public final class TPESampler: SamplerPlugin {
    public static let name = "tpe"
    let dimension: Int
    let startupTrials: Int
    let candidates: Int
    let priorWeight: Double
    var random: SplitMix
    var observations: [(point: [Double], value: Double)] = []
    var maximize = false

    public init(configuration: SamplerConfiguration) throws {
        func integer(_ key: String, _ fallback: Int) throws -> Int {
            guard let value = configuration.options[key] else { return fallback }
            guard case .int(let n) = value, n >= 1 else { throw PluginKitError("tpe: \(key) must be a positive integer, got \(value.jsonText)") }
            return n
        }
        dimension = configuration.dimension
        startupTrials = try integer("n_startup_trials", 10)
        candidates = try integer("n_ei_candidates", 24)
        priorWeight = configuration.options["prior_weight"]?.number ?? 1.0
        for key in configuration.options.keys where !["n_startup_trials", "n_ei_candidates", "prior_weight"].contains(key) {
            throw PluginKitError("tpe: unknown option '\(key)' (expected n_startup_trials, n_ei_candidates, prior_weight)")
        }
        random = SplitMix(seed: configuration.seed ?? UInt64.random(in: 0...UInt64.max))
    }

    public func observe(_ trial: ObservedTrial) {
        maximize = trial.goal == .maximize
        guard trial.state == .completed, let value = trial.value, value.isFinite, trial.point.count == dimension else { return }
        observations.append((trial.point, value))
    }

    public func suggest(trialNumber: Int) throws -> [Double]? {
        guard observations.count >= startupTrials, observations.count >= 2 else {
            return (0..<dimension).map { _ in random.unit() }
        }
        // Lower is better after this sign flip.
        let ordered = observations.sorted { (maximize ? -$0.value : $0.value) < (maximize ? -$1.value : $1.value) }
        let belowCount = min(Int((0.1 * Double(ordered.count)).rounded(.up)), 25)
        let below = Mixture(points: ordered.prefix(belowCount).map(\.point), dimension: dimension, priorWeight: priorWeight)
        let above = Mixture(points: ordered.dropFirst(belowCount).map(\.point), dimension: dimension, priorWeight: priorWeight)
        var best: [Double] = []
        var bestScore = -Double.infinity
        for _ in 0..<candidates {
            let x = below.sample(&random)
            let score = below.logDensity(x) - above.logDensity(x)
            if score > bestScore {
                bestScore = score
                best = x
            }
        }
        return best
    }
}

/// An equally weighted mixture of product truncated-Gaussian kernels on [0, 1]^d, plus a prior kernel.
struct Mixture {
    let centers: [[Double]]
    let bandwidths: [Double]  // one per component
    let weights: [Double]

    init(points: [[Double]], dimension: Int, priorWeight: Double) {
        let n = max(points.count, 1)
        let sigma = max(0.2 * pow(Double(n), -1.0 / Double(dimension + 4)), 0.01)
        centers = points + [Array(repeating: 0.5, count: dimension)]
        bandwidths = Array(repeating: sigma, count: points.count) + [1.0]
        let total = Double(points.count) + priorWeight
        weights = Array(repeating: 1 / total, count: points.count) + [priorWeight / total]
    }

    func sample(_ random: inout SplitMix) -> [Double] {
        var u = random.unit()
        var component = weights.count - 1
        for (i, w) in weights.enumerated() {
            if u < w { component = i; break }
            u -= w
        }
        return centers[component].map { center in
            for _ in 0..<100 {
                let x = center + bandwidths[component] * random.normal()
                if x >= 0 && x <= 1 { return x }
            }
            return min(max(center, 0), 1)
        }
    }

    func logDensity(_ x: [Double]) -> Double {
        var terms: [Double] = []
        for (i, center) in centers.enumerated() {
            let sigma = bandwidths[i]
            var log = naturalLog(weights[i])
            for (xd, cd) in zip(x, center) {
                let z = (xd - cd) / sigma
                let mass = 0.5 * (erfc(-(1 - cd) / sigma / 2.0.squareRoot()) - erfc(-(0 - cd) / sigma / 2.0.squareRoot()))
                log += -0.5 * z * z - naturalLog(sigma * (2 * Double.pi).squareRoot()) - naturalLog(max(mass, 1e-300))
            }
            terms.append(log)
        }
        let top = terms.max() ?? -.infinity
        return top + naturalLog(terms.reduce(0) { $0 + exp($1 - top) })
    }
}

@inline(__always) func naturalLog(_ x: Double) -> Double { Glibc.log(x) }

/// SplitMix64 with uniform and normal draws.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed ^ 0x7470_6553_4B50_4C55 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func unit() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

    mutating func normal() -> Double {
        (-2 * Glibc.log(unit())).squareRoot() * cos(2 * Double.pi * unit())
    }
}

@_cdecl("sweepkit_plugin")
public func sweepkitPlugin(_ hostABI: UInt32) -> UnsafeRawPointer? { exportSampler(TPESampler.self, hostABI: hostABI) }
