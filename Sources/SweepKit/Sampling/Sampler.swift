/// Proposes the hyperparameters of new trials.
///
/// Lifecycle: the engine creates one sampler per sweep from the validated search space and the
/// sampling-algorithm configuration (through `SamplerRegistry`). For every new trial it calls
/// `suggest(trialNumber:)` once, in increasing trial-number order; a sampler returns a point of the
/// unit cube (`space.dimension` coordinates in [0, 1)) and the search space turns it into values
/// (`SearchSpace.values(at:)`), so samplers never deal with distributions. `nil` means the sampler
/// is exhausted (grid) and the sweep ends. When a trial finishes, the engine calls `observe` with its
/// point, final state and value; model-based samplers learn from it, others ignore it.
///
/// The engine serialises all calls on one sweep, so a sampler need not be thread-safe.
/// Everything crossing this protocol is plain data, so it maps one-to-one onto the plugin C vtable.
public protocol Sampler: AnyObject {
    func suggest(trialNumber: Int) throws(SweepKitError) -> [Double]?
    func observe(_ observation: TrialObservation)
}

extension Sampler {
    public func observe(_ observation: TrialObservation) {}
}

/// What a sampler learns about a finished trial.
public struct TrialObservation: Sendable {
    public let trialNumber: Int
    public let point: [Double]
    public let state: TrialState
    /// The trial's objective value (completed trials), or its last reported value (stopped ones).
    public let value: Double?
    /// Whether lower values are better, so a sampler need not know the goal separately.
    public let goal: Goal
}
