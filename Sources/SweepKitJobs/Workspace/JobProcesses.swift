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
    /// trial's process group (`setsid`). Returns once none is left, or after `waitSeconds`: a
    /// killed process lingers until the kernel has torn it down, and one may have forked between
    /// the look and the kill, so the table is read again until it is empty.
    public static func killAll(job: String, waitSeconds: Double = 2) {
        let deadline = Clock.monotonicSeconds() + waitSeconds
        var remaining = pids(job: job)
        while !remaining.isEmpty {
            for pid in remaining { ChildProcess.signal(pid, SIGKILL) }
            if Clock.monotonicSeconds() > deadline { return }
            usleep(10_000)
            remaining = pids(job: job)
        }
    }
}
