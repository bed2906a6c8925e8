import SweepKit
import SweepKitPlatform
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The processes of a job's trials, wherever they are in the process tree: every trial carries
/// `SWEEPKIT_JOB=<name>` in its environment, and whatever it starts inherits it.
public enum JobProcesses {
    /// The environment variable every trial process carries: the job's name.
    public static let markerName = "SWEEPKIT_JOB"

    public static func marker(job: String) -> String { "\(markerName)=\(job)" }

    public static func pids(job: String) -> [Int32] {
        ProcessTable.processes(withEnvironmentEntry: marker(job: job))
    }

    /// Ends every process of the job (SIGKILL): left behind by a dead engine, or escaped from a
    /// trial's process group (`setsid`).
    public static func killAll(job: String) {
        for pid in pids(job: job) { ChildProcess.signal(pid, SIGKILL) }
    }
}
