/// An early-termination policy written as a SweepKit plugin.
///
/// Lifecycle: one instance per sweep; `evaluate` is called when a trial reports interval N and the
/// sweep's schedule (evaluation_interval, delay_evaluation) applies, with every trial's curve so
/// far. Return a `StopDecision` to stop the trial, nil to let it run (the kit writes the C result
/// codes of whichever plugin ABI the host speaks). Calls on one instance never overlap; instances
/// of different sweeps may run concurrently. Export it with
/// `exportPolicy(MyPolicy.self, hostABI: abi)` from `@_cdecl("sweepkit_plugin")`.
public protocol PolicyPlugin: AnyObject {
    static var name: String { get }
    init(configuration: PolicyConfiguration) throws
    func evaluate(trial: Int, interval: Int, curves: [Curve], goal: PluginGoal) throws -> StopDecision?
}

public struct PolicyConfiguration: Sendable {
    /// The policy's keys from the sweep spec (`{type: asha, reduction_factor: 3}` gives reduction_factor).
    public let options: JSONObject
    public init(options: JSONObject) { self.options = options }
}

/// One trial's reported values (interval i is `values[i - 1]`).
public struct Curve: Sendable {
    public let number: Int
    public let state: PluginTrialState
    public let values: [Double]
    public init(number: Int, state: PluginTrialState, values: [Double]) {
        self.number = number
        self.state = state
        self.values = values
    }
}

public struct StopDecision: Sendable {
    /// The trial's value you compared, the bound it crossed, and why, for the audit trail.
    public let value: Double
    public let threshold: Double
    public let reason: String

    public init(value: Double, threshold: Double, reason: String) {
        self.value = value
        self.threshold = threshold
        self.reason = reason
    }
}
