import CSweepKit

extension TrialState {
    /// The `sk_trial_state` value of sweepkit.h: what plugins receive and `sk_sweep_tell` takes.
    public var code: Int32 {
        switch self {
        case .running: return Int32(SK_TRIAL_RUNNING.rawValue)
        case .completed: return Int32(SK_TRIAL_COMPLETED.rawValue)
        case .failed: return Int32(SK_TRIAL_FAILED.rawValue)
        case .canceled: return Int32(SK_TRIAL_CANCELED.rawValue)
        }
    }

    /// The state of an `sk_trial_state` value; nil for any other number.
    public init?(code: Int32) {
        guard let state = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = state
    }
}

extension Goal {
    /// The `sk_goal` value of sweepkit.h.
    public var code: Int32 { Int32((self == .maximize ? SK_GOAL_MAXIMIZE : SK_GOAL_MINIMIZE).rawValue) }
}
