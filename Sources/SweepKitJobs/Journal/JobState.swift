import SweepKit
/// A sweep job as its journal says it is: the one interpretation of `JobEvent`s. The engine keeps
/// one up to date as it writes (`JobRecorder`), the report is built from one replayed from disk,
/// and resume starts from one; all three use `apply`, so they cannot disagree.
public struct JobState: Sendable {
    /// One trial (all its attempts) as recorded.
    public struct TrialRecord: Sendable, Equatable {
        public let number: Int
        public var name: String
        public var state: TrialState
        public var params: JSONObject
        public var flatParams: JSONObject
        /// Attempts launched so far (more than 1 after a crash relaunched it).
        public var attempts: Int
        /// The latest attempt's MLflow run, folders and process.
        public var runID: String
        public var directory: String
        public var logDirectory: String
        public var process: LaunchedTrial?
        /// When the latest attempt started, and when the trial ended (epoch ms).
        public var startedAt: Int64
        /// When the latest attempt was launched (submitted, on a cluster) and when it started
        /// running (a local process: at launch; a cluster's trial: when it left the queue).
        public var launchedAt: Int64? = nil
        public var runningAt: Int64? = nil
        public var endedAt: Int64?
        public var value: Double?
        public var message: String?
        public var exit: String?
        public var metrics: JSONObject = JSONObject()
        public var history: [Double] = []
        public var stopDecision: TerminationDecision?

        /// Seconds the latest attempt waited between its launch and its start (a cluster's queue).
        public var queueSeconds: Double? {
            guard let launchedAt, let runningAt else { return nil }
            return Double(runningAt - launchedAt) / 1000
        }

        /// Seconds it ran, from its start to its end.
        public var runSeconds: Double? {
            guard let runningAt, let endedAt else { return nil }
            return Double(endedAt - runningAt) / 1000
        }
    }

    public private(set) var spec: SweepJobSpec?
    public private(set) var trials: [TrialRecord] = []
    /// Every early-termination decision, in the order they were made.
    public private(set) var decisions: [TerminationDecision] = []
    public private(set) var experimentID: String?
    public private(set) var parentRunID: String?
    public private(set) var created: Int64?
    /// When the first engine started the job: the origin of its `timeout`.
    public private(set) var started: Int64?
    public private(set) var engineStarts = 0
    /// Set once the sweep ended.
    public private(set) var outcome: (status: JobStatus, reason: String)?
    public private(set) var ended: Int64?
    public private(set) var engineCPUSeconds: Double?
    /// Events that contradicted what came before (e.g. the end of a trial that never started):
    /// ignored, and reported so a damaged journal is visible.
    public private(set) var inconsistencies: [String] = []

    public init() {}

    public init(replaying entries: [JournalEntry]) {
        for entry in entries { apply(entry) }
    }

    public mutating func apply(_ entry: JournalEntry) {
        let time = entry.time
        switch entry.event {
        case .created(let spec):
            self.spec = spec
            created = time
        case .engineStarted:
            engineStarts += 1
            if started == nil { started = time }
        case .tracking(let experiment, let parent):
            experimentID = experiment
            parentRunID = parent
        case .trialStarted(let start):
            let record = TrialRecord(
                number: start.number, name: start.name, state: .running, params: start.params, flatParams: start.flatParams,
                attempts: start.attempt, runID: start.runID, directory: start.directory, logDirectory: start.logDirectory,
                process: nil, startedAt: time)
            if start.number < trials.count {
                guard !trials[start.number].state.isFinished else {
                    return inconsistent("trial \(start.number) started again after it ended")
                }
                trials[start.number] = record
            } else if start.number == trials.count {
                trials.append(record)
            } else {
                inconsistent("trial \(start.number) started before trial \(trials.count)")
            }
        case .trialLaunched(let number, let process):
            guard number < trials.count, trials[number].state == .running else {
                return inconsistent("trial \(number) launched but it is not running")
            }
            trials[number].process = process
            trials[number].launchedAt = time
            trials[number].runningAt = process.isLocal ? time : nil
        case .trialRunning(let number):
            guard number < trials.count, trials[number].state == .running, trials[number].process != nil else {
                return inconsistent("trial \(number) started running but it was not launched")
            }
            if trials[number].runningAt == nil { trials[number].runningAt = time }
        case .trialStopping(let number, let decision):
            guard number < trials.count, trials[number].stopDecision == nil else {
                return inconsistent("a second stop decision for trial \(number)")
            }
            trials[number].stopDecision = decision
            decisions.append(decision)
        case .trialEnded(let end):
            guard end.number < trials.count, trials[end.number].state == .running else {
                return inconsistent("trial \(end.number) ended but it was not running")
            }
            trials[end.number].state = end.state
            trials[end.number].value = end.value
            trials[end.number].message = end.message
            trials[end.number].exit = end.exit
            trials[end.number].metrics = end.metrics
            trials[end.number].history = end.history
            trials[end.number].endedAt = time
            if end.state == .completed, let value = end.value, let goal = spec?.sweep.goal,
                bestNumber.flatMap({ trials[$0].value }).map({ goal.isBetter(value, than: $0) }) ?? true
            {
                bestNumber = end.number
            }
        case .sweepEnded(let status, let reason, let cpu):
            outcome = (status, reason)
            ended = time
            engineCPUSeconds = cpu
        }
    }

    private mutating func inconsistent(_ what: String) {
        inconsistencies.append(what)
    }

    /// The completed trial with the best value; the earliest one on ties (as `Sweep.best`).
    public private(set) var bestNumber: Int?

    public var best: TrialRecord? { bestNumber.map { trials[$0] } }

    /// Trials that were running (per the journal) when the last engine stopped writing.
    public var unfinishedTrials: [TrialRecord] { trials.filter { $0.state == .running } }

    public var isFinished: Bool { outcome != nil }
}
