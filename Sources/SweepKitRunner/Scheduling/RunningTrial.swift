import SweepKit
import SweepKitJobs

/// A trial attempt the engine is watching: launched by this engine, or adopted from one that died.
struct RunningTrial {
    let number: Int
    let name: String
    let runID: String
    let launched: LaunchedTrial
    let folders: TrialSetup.Folders
    /// Monotonic seconds at launch.
    let startedAt: Double
    /// Monotonic seconds when it started running (`trial_timeout` counts from there): at launch
    /// for a local process; nil while it waits in a cluster's queue.
    var runningSince: Double?
    /// Launched by an earlier engine: its exit is not delivered to this one (no SIGCHLD).
    let adopted: Bool
    var cursor = 0
    var history: [MetricPoint] = []
    var nextMetricRead: Double
    /// Why it is being stopped (policy, limit, cancel), once it is.
    var stopReason: String?
    /// The interval at which the policy stopped it: its value is its best value up to there.
    var stopInterval: Int?
    /// When SIGKILL follows the SIGTERM of a stop.
    var killAt: Double?

    /// The finite values of the primary metric, in logging order: the trial's intervals.
    var intervals: [Double] { history.map(\.value).filter(\.isFinite) }
}
