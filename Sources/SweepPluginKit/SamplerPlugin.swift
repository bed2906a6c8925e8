@_exported import SweepKitJSON

/// A sampler written as a SweepKit plugin.
///
/// Lifecycle: the host creates one instance per sweep (`init(configuration:)`), then calls
/// `suggest(trialNumber:)` once per new trial, in increasing order: return the trial's point of the
/// unit cube (`configuration.dimension` coordinates in [0, 1]; the host maps them to values through
/// the search space's inverse CDFs), or nil when there is nothing left to propose. `observe` tells
/// you how each trial ended. Throwing fails the sweep cleanly with your error's description.
/// The host never calls one instance from two threads at once; instances of different sweeps (and
/// their `init`s) may run concurrently, so state shared between instances must be thread-safe.
/// Export it with one line: `@_cdecl("sweepkit_plugin") public func plugin(_ abi: UInt32) -> UnsafeRawPointer? { exportSampler(MySampler.self, hostABI: abi) }`.
public protocol SamplerPlugin: AnyObject {
    /// The name users select it by (`sampling_algorithm="tpe"`): [a-z][a-z0-9_]*.
    static var name: String { get }
    init(configuration: SamplerConfiguration) throws
    func suggest(trialNumber: Int) throws -> [Double]?
    func observe(_ trial: ObservedTrial)
}

extension SamplerPlugin {
    public func observe(_ trial: ObservedTrial) {}
}

public struct SamplerConfiguration: Sendable {
    /// The sweep's seed, when it has one: use it so the same seed gives the same trials.
    public let seed: UInt64?
    /// The number of unit-cube coordinates of a point.
    public let dimension: Int
    /// The search space in its wire form (`{"lr": ["loguniform", [-6, -1]], ...}`), for information.
    public let searchSpace: JSONValue
    /// The sampling algorithm's other keys (`{type: tpe, n_startup_trials: 10}` gives n_startup_trials).
    public let options: JSONObject

    public init(seed: UInt64?, dimension: Int, searchSpace: JSONValue = .null, options: JSONObject = JSONObject()) {
        self.seed = seed
        self.dimension = dimension
        self.searchSpace = searchSpace
        self.options = options
    }
}

public enum PluginGoal: Sendable { case maximize, minimize }

public enum PluginTrialState: Sendable { case running, completed, failed, canceled }

public struct ObservedTrial: Sendable {
    public let number: Int
    public let point: [Double]
    public let state: PluginTrialState
    /// The objective value (completed trials; a canceled trial may have its last reported value).
    public let value: Double?
    public let goal: PluginGoal

    public init(number: Int, point: [Double], state: PluginTrialState, value: Double?, goal: PluginGoal) {
        self.number = number
        self.point = point
        self.state = state
        self.value = value
        self.goal = goal
    }
}
