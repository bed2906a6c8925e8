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
///
/// A launcher for a cluster returns `.queued` from `poll` while the cluster has not started the
/// trial yet, and sets `pollIntervalSeconds` (no SIGCHLD wakes the engine for a remote trial).
/// `capacity` bounds the trials the scheduler keeps launched at once (free GPUs, a cluster's CPUs).
public protocol TrialLauncher: AnyObject {
    func launch(_ request: TrialLaunchRequest) throws(SweepKitError) -> LaunchedTrial
    func poll(_ trial: LaunchedTrial, exitStatusPath: String) -> TrialPoll
    func signal(_ trial: LaunchedTrial, _ signal: Int32)
    /// At most this many trials at once, whatever `max_concurrent_trials` says (nil: no bound).
    var capacity: Int? { get }
    /// The longest the scheduler may wait between two polls of a running trial (nil: signals
    /// and the scheduler's own pace are enough).
    var pollIntervalSeconds: Double? { get }
    /// A trial attempt was journaled as started but not as launched (the engine died in between):
    /// stops whatever the cluster may run for it. `name` is the attempt's `TrialLaunchRequest.name`.
    func abandon(name: String)
}

extension TrialLauncher {
    public var capacity: Int? { nil }
    public var pollIntervalSeconds: Double? { nil }
    public func abandon(name: String) {}
}

public struct TrialLaunchRequest: Sendable {
    public var command: String
    public var workingDirectory: String
    /// The trial's whole environment: this process's, with the trial's own variables on top.
    public var environment: [(key: String, value: String)]
    public var stdoutPath: String
    public var stderrPath: String
    /// Where the trial's exit status is written when it ends.
    public var exitStatusPath: String
    /// The attempt's name (`<job>_<n>`, `<job>_<n>-attempt2`): unique in the workspace, so a
    /// cluster's job can be named after it.
    public var name: String
    /// Only the trial's own variables (MLflow, `AZUREML_SWEEP_*`, `SWEEPKIT_*`, the job's
    /// `environment_variables`): what a cluster that does not inherit this environment needs.
    public var trialVariables: [(key: String, value: String)]
    /// What the trial needs (the job's `resources`).
    public var resources: TrialResources?
    /// The job's `trial_timeout`, for a cluster's own time limit.
    public var timeoutSeconds: Double?

    public init(command: String, workingDirectory: String, environment: [(key: String, value: String)],
                stdoutPath: String, stderrPath: String, exitStatusPath: String, name: String = "",
                trialVariables: [(key: String, value: String)] = [], resources: TrialResources? = nil,
                timeoutSeconds: Double? = nil) {
        self.command = command
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
        self.exitStatusPath = exitStatusPath
        self.name = name
        self.trialVariables = trialVariables
        self.resources = resources
        self.timeoutSeconds = timeoutSeconds
    }
}

/// What `poll` found.
public enum TrialPoll: Equatable, Sendable {
    /// Submitted to a cluster that has not started it yet.
    case queued
    case running
    case ended(ProcessExit)
    /// The process is gone and left no exit status (killed with the machine, or by SIGKILL
    /// while no engine watched it).
    case vanished
}
