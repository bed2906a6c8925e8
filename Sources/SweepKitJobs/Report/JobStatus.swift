import SweepKit
/// A sweep job's status, with the Azure job-status names. The only place these names are spelled:
/// the CLI, the report and the Python facade (through `sk_job_vocabulary`) all take them from here.
public enum JobStatus: String, CaseIterable, Sendable {
    /// Submitted; no engine has started it yet.
    case notStarted = "NotStarted"
    /// An engine holds the job and runs it.
    case running = "Running"
    /// An engine started the job and is gone (crash, kill -9, reboot): `resume` finishes it.
    case notResponding = "NotResponding"
    case completed = "Completed"
    case failed = "Failed"
    case canceled = "Canceled"

    /// The statuses a job ends in; it never changes again.
    public var isFinished: Bool { self == .completed || self == .failed || self == .canceled }

    /// The status the trial runs of a finished job map to in MLflow.
    public static let finished: [JobStatus] = allCases.filter(\.isFinished)
}
