/// Starts trial processes and watches them.
///
/// Lifecycle: the scheduler calls `launch` once per trial with the rendered command, its working
/// directory and environment; then `poll` (never blocking) until it returns the exit; to stop a
/// trial it calls `signal` on its process group (SIGTERM, then SIGKILL after a grace period).
/// After an engine crash, `killOrphans` ends whatever is left of a trial launched by the previous
/// engine, identified by the `LaunchedTrial` record from the journal.
public protocol TrialLauncher: AnyObject {
    func launch(_ request: TrialLaunchRequest) throws(SweepKitError) -> LaunchedTrial
    func poll(_ trial: LaunchedTrial) -> TrialExit?
    func signal(_ trial: LaunchedTrial, _ signal: Int32)
    func killOrphans(_ trial: LaunchedTrial)
}

public struct TrialLaunchRequest: Sendable {
    public var command: String
    public var workingDirectory: String
    public var environment: [(key: String, value: String)]
    public var stdoutPath: String
    public var stderrPath: String
}

/// What identifies a launched trial, also across engine restarts (it is journaled).
public struct LaunchedTrial: Equatable, Sendable {
    /// The process id, which is also its process group id.
    public let pid: Int32
    /// The process's start time in clock ticks since boot (/proc/<pid>/stat field 22), so a
    /// recycled pid is never mistaken for the trial.
    public let startTicks: UInt64

    public var json: JSONValue { ["pid": .int(Int(pid)), "start_ticks": .int(Int(startTicks))] }

    public init(pid: Int32, startTicks: UInt64) {
        self.pid = pid
        self.startTicks = startTicks
    }

    init?(json: JSONValue?) {
        guard let object = json?.object, case .int(let pid)? = object["pid"], case .int(let ticks)? = object["start_ticks"],
            let pid32 = Int32(exactly: pid), let ticks64 = UInt64(exactly: ticks)
        else { return nil }
        self.init(pid: pid32, startTicks: ticks64)
    }
}

public enum TrialExit: Equatable, Sendable {
    case exited(code: Int32)
    case signaled(signal: Int32)

    public var succeeded: Bool { self == .exited(code: 0) }

    public var description: String {
        switch self {
        case .exited(let code): return "exited with code \(code)"
        case .signaled(let signal): return "was killed by signal \(signal)"
        }
    }
}
