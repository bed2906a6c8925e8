import SweepKit
/// Where a sweep job keeps its files, under `<workspace>/jobs/<name>/`.
public struct JobPaths: Sendable {
    public let directory: String
    public init(directory: String) { self.directory = directory }

    /// The workspace holding the job (`<workspace>/jobs/<name>`).
    public var workspaceRoot: String { FileSystem.directoryName(FileSystem.directoryName(directory)) }

    /// The canonical job spec, written once at submission.
    public var spec: String { "\(directory)/job.json" }
    /// Every state change, one JSON event per line (see `SweepJournal`).
    public var journal: String { "\(directory)/journal.jsonl" }
    /// Held (flock) by the engine process while it runs the job.
    public var lock: String { "\(directory)/engine.lock" }
    /// What `job stream` shows: one line per trial event, then the summary.
    public var log: String { "\(directory)/sweep.log" }
    /// The engine process's own stdout/stderr when it runs detached.
    public var engineLog: String { "\(directory)/engine.log" }
    /// Present when a cancel was requested.
    public var cancelRequest: String { "\(directory)/cancel_requested" }
    /// Each trial's working directory (a copy of the code, plus `outputs/`).
    public var trials: String { "\(directory)/trials" }
    /// Each trial's stdout.txt and stderr.txt.
    public var logs: String { "\(directory)/logs" }
    /// `python`/`python3` for the trials, first on their PATH.
    public var bin: String { "\(directory)/bin" }
}
