import Synchronization

/// An in-process sweep: the engine's core loop of asking the sampler for trials and recording
/// their results, without subprocesses.
///
/// ```swift
/// let sweep = try Sweep(space: try SearchSpace(["x": .uniform(min: -5, max: 5)]),
///                       sampler: .random(seed: 1), goal: .minimize,
///                       limits: SweepLimits(maxTotalTrials: 50))
/// try sweep.run { trial in (trial.params["x"]!.number! - 2) * (trial.params["x"]!.number! - 2) }
/// print(sweep.best!.params)
/// ```
///
/// Thread-safe: every method may be called from any thread.
public final class Sweep: Sendable {
    /// The spec as run: with the defaults `SweepSpec.decidingDefaults` drew (a seed).
    public let spec: SweepSpec
    private let state: Mutex<State>
    private let valueRequirement = Atomic<Bool>(true)

    /// Whether a completed trial must have a value (true, the default). A sweep job without
    /// metric tracking (`tracking_uri: none`) completes trials on their exit code alone.
    public var requiresValue: Bool {
        get { valueRequirement.load(ordering: .relaxed) }
        set { valueRequirement.store(newValue, ordering: .relaxed) }
    }

    struct State: ~Copyable {
        let sampler: any Sampler
        let policy: (any EarlyTerminationPolicy)?
        var trials: [Trial] = []
        /// Each trial's reported values, for the early-termination policy.
        var curves: [TrialCurve] = []
        /// Every decision that stopped a trial, in order; at most one per trial.
        var decisions: [TerminationDecision] = []
        var runningCount = 0
        var bestNumber: Int?
        var finishReason: String?
        let deadline: ContinuousClock.Instant?
    }

    /// Validates the spec completely, decides its defaults and assembles the sampler and the
    /// policy (`EngineAssembly`); nothing else happens until `ask`.
    public init(spec: SweepSpec) throws(SweepKitError) {
        let spec = spec.decidingDefaults()
        let sampler = try EngineAssembly.makeSampler(spec)
        self.spec = spec
        // Capped at ~30 years so the conversion to whole milliseconds cannot overflow.
        let deadline = spec.limits.timeout.map { ContinuousClock.now + .milliseconds(Int64((Swift.min($0, 1e9) * 1000).rounded())) }
        let policy = try EngineAssembly.makePolicy(spec)
        state = Mutex(State(sampler: sampler, policy: policy, deadline: deadline))
    }

    public convenience init(
        space: SearchSpace, sampler: SamplingAlgorithm = .random(), goal: Goal,
        limits: SweepLimits = SweepLimits(), earlyTermination: TerminationPolicySpec? = nil
    ) throws(SweepKitError) {
        try self.init(spec: SweepSpec(searchSpace: space, samplingAlgorithm: sampler, goal: goal, limits: limits, earlyTermination: earlyTermination))
    }

    public convenience init(jsonText: String) throws(SweepKitError) {
        try self.init(spec: SweepSpec(jsonText: jsonText))
    }

    /// The next trial, or `nil` when the sweep is over (`finishReason` says why).
    /// Throws when `max_concurrent_trials` trials are already running.
    public func ask() throws(SweepKitError) -> Trial? {
        let logBase = spec.samplingAlgorithm.logBase ?? SearchSpace.naturalLogBase
        return try state.withLock { (state: inout State) throws(SweepKitError) -> Trial? in
            if state.finishReason != nil { return nil }
            if let maxTotal = spec.limits.maxTotalTrials, state.trials.count >= maxTotal {
                state.finishReason = "max_total_trials (\(maxTotal)) reached"
                return nil
            }
            if let deadline = state.deadline, ContinuousClock.now >= deadline {
                state.finishReason = "timeout reached"
                return nil
            }
            if let maxConcurrent = spec.limits.maxConcurrentTrials, state.runningCount >= maxConcurrent {
                throw .misuse("max_concurrent_trials (\(maxConcurrent)) trials are already running; tell the result of one before asking for another")
            }
            let number = state.trials.count
            guard let point = try state.sampler.suggest(trialNumber: number) else {
                state.finishReason = "the sampler is exhausted: it has no more trials to propose (grid: every combination was tried)"
                return nil
            }
            guard point.count == spec.searchSpace.dimension, point.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
                throw .internalFailure("sampler '\(spec.samplingAlgorithm.samplerName)' returned an invalid point (expected \(spec.searchSpace.dimension) coordinates in [0, 1])")
            }
            let trial = Trial(number: number, params: spec.searchSpace.values(at: point, logBase: logBase), point: point, state: .running)
            state.trials.append(trial)
            state.curves.append(TrialCurve(number: number))
            state.runningCount += 1
            return trial
        }
    }

    /// Records how trial `number` ended. A completed trial needs a finite value.
    public func tell(_ number: Int, value: Double?, state newState: TrialState = .completed, message: String? = nil) throws(SweepKitError) {
        let goal = spec.goal
        try state.withLock { (state: inout State) throws(SweepKitError) in
            guard number >= 0, number < state.trials.count else {
                throw .misuse("tell: there is no trial \(number) (\(state.trials.count) trials were asked)")
            }
            guard state.trials[number].state == .running else {
                throw .misuse("tell: trial \(number) already finished as \(state.trials[number].state.rawValue)")
            }
            guard newState.isFinished else {
                throw .misuse("tell: the state must be Completed, Failed or Canceled, got \(newState.rawValue)")
            }
            if newState == .completed, value != nil || requiresValue {
                guard let value, value.isFinite else {
                    let given = value.map { String($0) } ?? "no value"
                    throw .validation(field: "value", message: "trial \(number): a completed trial needs a finite value, got \(given); report it as failed instead")
                }
            }
            state.trials[number].state = newState
            state.trials[number].value = value.flatMap { $0.isFinite ? $0 : nil }
            state.trials[number].message = message
                ?? (newState == .canceled ? state.decisions.first { $0.trial == number }?.reason : nil)
            state.curves[number].state = newState
            state.runningCount -= 1
            if newState == .completed, let value {
                if let best = state.bestNumber, let bestValue = state.trials[best].value, !goal.isBetter(value, than: bestValue) {
                } else {
                    state.bestNumber = number
                }
            }
            let trial = state.trials[number]
            state.sampler.observe(TrialObservation(trialNumber: number, point: trial.point, state: newState, value: trial.value, goal: goal))
        }
    }

    /// Records a new value of a running trial's primary metric: its next interval. When the
    /// early-termination schedule applies, the policy decides; a decision (returned, and kept in
    /// `decisions`) means the trial should stop: tell it `.canceled`. Once decided, every later
    /// report returns the same decision. Non-finite values are not intervals and are ignored.
    @discardableResult
    public func report(_ number: Int, value: Double) throws(SweepKitError) -> TerminationDecision? {
        let goal = spec.goal
        let schedule = spec.earlyTermination?.schedule
        return try state.withLock { (state: inout State) throws(SweepKitError) -> TerminationDecision? in
            guard number >= 0, number < state.trials.count else {
                throw .misuse("report: there is no trial \(number) (\(state.trials.count) trials were asked)")
            }
            guard state.trials[number].state == .running else {
                throw .misuse("report: trial \(number) already finished as \(state.trials[number].state.rawValue)")
            }
            if let decided = state.decisions.first(where: { $0.trial == number }) { return decided }
            guard value.isFinite else { return nil }
            state.curves[number].values.append(value)
            let interval = state.curves[number].values.count
            guard let policy = state.policy, let schedule, schedule.applies(at: interval),
                let decision = try policy.evaluate(trial: number, interval: interval, curves: state.curves, goal: goal)
            else { return nil }
            state.decisions.append(decision)
            return decision
        }
    }

    /// Restores a trial's reported values and a stop decision from a journal, without evaluating
    /// (used when a sweep job resumes).
    public func restore(curve number: Int, values: [Double], decision: TerminationDecision?) {
        state.withLock { state in
            guard number >= 0, number < state.curves.count else { return }
            state.curves[number].values = values.filter(\.isFinite)
            if let decision, !state.decisions.contains(where: { $0.trial == number }) { state.decisions.append(decision) }
        }
    }

    /// Every early-termination decision so far, in the order they were made.
    public var decisions: [TerminationDecision] {
        state.withLock { $0.decisions }
    }

    /// A trial's reported values so far.
    public func curve(_ number: Int) -> [Double] {
        state.withLock { state in number >= 0 && number < state.curves.count ? state.curves[number].values : [] }
    }

    /// Asks, evaluates and tells until the sweep is over. An objective that throws marks its trial
    /// failed and the error propagates; a non-finite result marks it failed and the sweep goes on.
    public func run(maxTrials: Int? = nil, objective: (Trial) throws -> Double) throws {
        var count = 0
        while maxTrials.map({ count < $0 }) ?? true, let trial = try ask() {
            count += 1
            let value: Double
            do {
                value = try objective(trial)
            } catch {
                try tell(trial.number, value: nil, state: .failed, message: "\(error)")
                throw error
            }
            if value.isFinite {
                try tell(trial.number, value: value)
            } else {
                try tell(trial.number, value: nil, state: .failed, message: "the objective returned \(value)")
            }
        }
    }

    /// The completed trial with the best value (the earliest one on ties).
    public var best: Trial? {
        state.withLock { state in state.bestNumber.map { state.trials[$0] } }
    }

    public var trials: [Trial] {
        state.withLock { $0.trials }
    }

    public func trial(_ number: Int) -> Trial? {
        state.withLock { state in number >= 0 && number < state.trials.count ? state.trials[number] : nil }
    }

    /// Why `ask` returned `nil`, once it has.
    public var finishReason: String? {
        state.withLock { $0.finishReason }
    }
}
