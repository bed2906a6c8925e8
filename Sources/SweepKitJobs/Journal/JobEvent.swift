import SweepKit
/// Every change of a sweep job, as written to its journal: the closed set of things that can
/// happen to a job. The writer (the engine), the report and resume all go through this type and
/// `JobState.apply`; `JournalCodec` is the only code that knows how an event is spelled on disk.
public enum JobEvent: Equatable, Sendable {
    /// The job was submitted: its spec, with every reproducibility default decided (seeds).
    case created(spec: SweepJobSpec)
    /// An engine process took the job (`resumed`: not the first one).
    case engineStarted(pid: Int, resumed: Bool)
    /// The MLflow experiment and the sweep's parent run.
    case tracking(experimentID: String, parentRunID: String)
    /// A trial attempt is about to be launched (its MLflow run exists).
    case trialStarted(TrialStart)
    /// Its process is running, or (a trial on a cluster) it is submitted and may wait in the
    /// cluster's queue.
    case trialLaunched(number: Int, process: LaunchedTrial)
    /// A trial that waited in a cluster's queue started running (local processes run from their
    /// launch: they have no such event).
    case trialRunning(number: Int)
    /// The early-termination policy decided to stop a running trial.
    case trialStopping(number: Int, decision: TerminationDecision)
    /// A trial reached its final state (recorded in MLflow first).
    case trialEnded(TrialEnd)
    /// The sweep ended.
    case sweepEnded(status: JobStatus, reason: String, engineCPUSeconds: Double?)
}

/// The payload of `JobEvent.trialStarted`.
public struct TrialStart: Equatable, Sendable {
    public var number: Int
    public var name: String
    /// 1 for the first launch; a trial relaunched after an engine crash gets the next one.
    public var attempt: Int
    public var params: JSONObject
    public var flatParams: JSONObject
    public var runID: String
    public var directory: String
    public var logDirectory: String

    public init(number: Int, name: String, attempt: Int, params: JSONObject, flatParams: JSONObject, runID: String,
                directory: String, logDirectory: String) {
        self.number = number
        self.name = name
        self.attempt = attempt
        self.params = params
        self.flatParams = flatParams
        self.runID = runID
        self.directory = directory
        self.logDirectory = logDirectory
    }
}

/// The payload of `JobEvent.trialEnded`.
public struct TrialEnd: Equatable, Sendable {
    public var number: Int
    public var state: TrialState
    /// The trial's value: the best finite value of the primary metric (completed trials), or the
    /// best up to the interval where the policy stopped it (canceled ones).
    public var value: Double?
    public var message: String?
    /// How its process ended (`exited with code 0`), when known.
    public var exit: String?
    public var metrics: JSONObject
    /// The primary metric's values the policy saw, so a resumed engine's policy sees them too.
    public var history: [Double]

    public init(number: Int, state: TrialState, value: Double?, message: String?, exit: String?,
                metrics: JSONObject = JSONObject(), history: [Double] = []) {
        self.number = number
        self.state = state
        self.value = value
        self.message = message
        self.exit = exit
        self.metrics = metrics
        self.history = history
    }
}

/// An event with the time it was recorded (epoch milliseconds).
public struct JournalEntry: Equatable, Sendable {
    public var time: Int64
    public var event: JobEvent

    public init(time: Int64, event: JobEvent) {
        self.time = time
        self.event = event
    }
}
