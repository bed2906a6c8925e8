import SweepKit
import SweepKitJobs
import SweepKitPlatform

/// Starts trial processes and watches them.
///
/// Lifecycle: the scheduler calls `launch` once per trial attempt with the rendered command, its
/// working directory and environment; then `poll` (never blocking) until it returns the exit; to
/// stop a trial it calls `signal` (SIGTERM, then SIGKILL after a grace period). A launcher records
/// each trial's exit status in `exitStatusPath` as the trial ends, whoever is watching, so a trial
/// that ends while no engine runs is collected from that record by the next engine: `poll` works
/// for trials an earlier engine launched too (identified by the journaled `LaunchedTrial`).
public protocol TrialLauncher: AnyObject {
    func launch(_ request: TrialLaunchRequest) throws(SweepKitError) -> LaunchedTrial
    func poll(_ trial: LaunchedTrial, exitStatusPath: String) -> TrialPoll
    func signal(_ trial: LaunchedTrial, _ signal: Int32)
}

public struct TrialLaunchRequest: Sendable {
    public var command: String
    public var workingDirectory: String
    public var environment: [(key: String, value: String)]
    public var stdoutPath: String
    public var stderrPath: String
    /// Where the trial's exit status is written when it ends.
    public var exitStatusPath: String

    public init(command: String, workingDirectory: String, environment: [(key: String, value: String)],
                stdoutPath: String, stderrPath: String, exitStatusPath: String) {
        self.command = command
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
        self.exitStatusPath = exitStatusPath
    }
}

/// What `poll` found.
public enum TrialPoll: Equatable, Sendable {
    case running
    case ended(ProcessExit)
    /// The process is gone and left no exit status (killed with the machine, or by SIGKILL
    /// while no engine watched it).
    case vanished
}
