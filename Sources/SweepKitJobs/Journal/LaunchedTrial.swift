import SweepKit
/// What identifies a launched trial's process, also across engine restarts (it is journaled).
public struct LaunchedTrial: Equatable, Sendable {
    /// The process id, which is also its process group id.
    public let pid: Int32
    /// The process's start time in clock ticks since boot, so a recycled pid is never mistaken
    /// for the trial.
    public let startTicks: UInt64

    public init(pid: Int32, startTicks: UInt64) {
        self.pid = pid
        self.startTicks = startTicks
    }
}
