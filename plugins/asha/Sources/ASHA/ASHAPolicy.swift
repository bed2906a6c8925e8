import SweepPluginKit

/// Asynchronous successive halving (Li et al., 2020) as an early-termination policy.
///
/// Rungs sit at intervals r, r·η, r·η², ... (r = `min_resource`, η = `reduction_factor`). When a
/// trial reaches a rung, its best value so far is compared with the values every trial had when it
/// reached that rung: it continues only if it is not worse than the (1 − 1/η) quantile of them
/// (the top 1/η go on, asynchronously: no trial waits for others). Options: `min_resource`
/// (default 1), `reduction_factor` (default 3).
public final class ASHAPolicy: PolicyPlugin {
    public static let name = "asha"
    let minResource: Int
    let reductionFactor: Int

    public init(configuration: PolicyConfiguration) throws {
        func integer(_ key: String, _ fallback: Int) throws -> Int {
            guard let value = configuration.options[key] else { return fallback }
            guard case .int(let n) = value else { throw PluginKitError("asha: \(key) must be an integer, got \(value.jsonText)") }
            return n
        }
        minResource = try integer("min_resource", 1)
        reductionFactor = try integer("reduction_factor", 3)
        for key in configuration.options.keys where !["min_resource", "reduction_factor"].contains(key) {
            throw PluginKitError("asha: unknown option '\(key)' (expected min_resource, reduction_factor)")
        }
        guard minResource >= 1 else { throw PluginKitError("asha: min_resource must be at least 1, got \(minResource)") }
        guard reductionFactor >= 2 else { throw PluginKitError("asha: reduction_factor must be at least 2, got \(reductionFactor)") }
    }

    /// The rung index of `interval`, if it is a rung.
    func rung(_ interval: Int) -> Int? {
        var level = 0
        var rungInterval = minResource
        while rungInterval < interval {
            rungInterval *= reductionFactor
            level += 1
        }
        return rungInterval == interval ? level : nil
    }

    public func evaluate(trial: Int, interval: Int, curves: [Curve], goal: PluginGoal) throws -> StopDecision? {
        guard let level = rung(interval), let own = curves.first(where: { $0.number == trial }), own.values.count >= interval else {
            return nil
        }
        func bestUpTo(_ values: [Double]) -> Double {
            values.prefix(interval).reduce(values[0]) { goal == .maximize ? max($0, $1) : min($0, $1) }
        }
        // Worse-to-better order, so the (1 - 1/eta) quantile is the bar for the top 1/eta.
        let recorded = curves.filter { $0.values.count >= interval }.map { bestUpTo($0.values) }
            .sorted { goal == .maximize ? $0 < $1 : $0 > $1 }
        let position = Double(recorded.count - 1) * (1 - 1 / Double(reductionFactor))
        let lower = Int(position.rounded(.down)), upper = min(lower + 1, recorded.count - 1)
        let cutoff = recorded[lower] + (recorded[upper] - recorded[lower]) * (position - Double(lower))
        let value = bestUpTo(own.values)
        let worse = goal == .maximize ? value < cutoff : value > cutoff
        guard worse else { return nil }
        return StopDecision(
            value: value, threshold: cutoff,
            reason: "asha at rung \(level) (interval \(interval)): best so far \(value) is outside the top 1/\(reductionFactor) of \(recorded.count) trials (cutoff \(cutoff))")
    }
}

@_cdecl("sweepkit_plugin")
public func sweepkitPlugin(_ hostABI: UInt32) -> UnsafeRawPointer? { exportPolicy(ASHAPolicy.self, hostABI: hostABI) }
