/// The state of a trial, with the Azure job-status names.
public enum TrialState: String, Sendable, Equatable, CaseIterable {
    case running = "Running"
    case completed = "Completed"
    case failed = "Failed"
    /// Stopped by an early-termination policy, a limit, or the user.
    case canceled = "Canceled"

    public var isFinished: Bool { self != .running }

    /// Accepts the status names in any case (`completed`, `Completed`, ...).
    public init?(name: String) {
        switch name.lowercased() {
        case "running": self = .running
        case "completed", "complete": self = .completed
        case "failed", "fail": self = .failed
        case "canceled", "cancelled", "pruned": self = .canceled
        default: return nil
        }
    }
}
