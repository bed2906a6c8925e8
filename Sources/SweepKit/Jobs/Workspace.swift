#if canImport(Glibc)
import Glibc
#endif

/// The local equivalent of an Azure ML workspace: a directory holding every sweep job's files.
/// Default: `$SWEEPKIT_WORKSPACE`, else `.sweepkit` in the current directory.
public struct Workspace: Sendable {
    public let root: String

    public init(root: String? = nil) {
        let chosen = root ?? ProcessEnvironment.value("SWEEPKIT_WORKSPACE") ?? ".sweepkit"
        self.root = FileSystem.absolute(chosen)
    }

    public func paths(_ name: String) -> JobPaths { JobPaths(directory: "\(root)/jobs/\(name)") }

    /// Validates a job completely, gives it a name if it has none, and records it (job.json and
    /// the journal's `created` event). Nothing runs yet: `SweepJobRunner` runs it.
    public func submit(_ json: JSONValue) throws(SweepKitError) -> SweepJobSpec {
        var spec = try SweepJobSpec(json: Self.resolvingRelativePaths(json))
        // The sampler is created (and discarded) so grid/space mismatches surface here, not later.
        _ = try Sweep(spec: spec.sweep)
        if spec.name.isEmpty {
            repeat { spec.name = JobNames.make() } while FileSystem.exists(paths(spec.name).directory)
        } else if FileSystem.exists(paths(spec.name).directory) {
            throw .validation(field: "name", message: "a job named '\(spec.name)' already exists in \(root)")
        }
        if spec.sweep.samplingAlgorithm.samplerName == RandomSampler.name, spec.sweep.samplingAlgorithm.seed == nil {
            spec.sweep.samplingAlgorithm.seed = Int.random(in: 0...Int(Int32.max))  // recorded, so resume replays it
        }
        let paths = paths(spec.name)
        try FileSystem.createDirectory(paths.directory)
        try FileSystem.writeAtomically(paths.spec, spec.json.jsonText + "\n")
        try SweepJournal(path: paths.journal).append(["event": "created", "spec": spec.json])
        return spec
    }

    /// Makes `trial.code` absolute and fills in the tracking URI (MLflow's own default:
    /// `sqlite:///<current directory>/mlflow.db`) and the interpreter, relative to this process.
    static func resolvingRelativePaths(_ json: JSONValue) -> JSONValue {
        guard var object = json.object else { return json }
        if case .object(var trial)? = object["trial"], let code = trial["code"]?.string, !code.hasPrefix("/") {
            trial["code"] = .string(FileSystem.absolute(code))
            object["trial"] = .object(trial)
        }
        let uri = object["tracking_uri"]?.string ?? ProcessEnvironment.value("MLFLOW_TRACKING_URI") ?? "sqlite:///mlflow.db"
        if uri.hasPrefix("sqlite:///"), !uri.hasPrefix("sqlite:////") {
            object["tracking_uri"] = .string("sqlite:///" + FileSystem.absolute(String(uri.dropFirst("sqlite:///".count))))
        } else {
            object["tracking_uri"] = .string(uri)
        }
        if object["python"] == nil, let python = ProcessEnvironment.value("SWEEPKIT_PYTHON") {
            object["python"] = .string(python)
        }
        return .object(object)
    }

    /// Job names, oldest first.
    public func jobNames() -> [String] {
        var named: [(String, Int)] = []
        for name in FileSystem.entries(of: "\(root)/jobs") {
            guard !name.hasPrefix("."), FileSystem.exists(paths(name).journal) else { continue }
            var info = stat()
            stat(paths(name).spec, &info)
            named.append((name, Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)))
        }
        return named.sorted { $0.1 < $1.1 }.map(\.0)
    }

    public func report(_ name: String) throws(SweepKitError) -> JobReport {
        let paths = paths(name)
        guard FileSystem.exists(paths.journal) else {
            throw .validation(field: "name", message: "no job named '\(name)' in \(root)")
        }
        var report = JobReport(events: try SweepJournal.read(path: paths.journal), engineRunning: EngineLock.holder(paths.lock) != nil)
        report.directory = paths.directory
        return report
    }

    /// Asks the job's engine to cancel (SIGTERM plus a request file it checks). A job whose
    /// engine is not running is canceled here and now, its leftover trial processes ended.
    public func cancel(_ name: String) throws(SweepKitError) -> JobReport {
        let paths = paths(name)
        let before = try report(name)
        if before.isFinished { return before }
        try FileSystem.writeAtomically(paths.cancelRequest, "\(Clock.epochMilliseconds())\n")
        if let pid = EngineLock.holder(paths.lock) {
            if pid > 0 { kill(pid, SIGTERM) }
            return before
        }
        guard let lock = try EngineLock.acquire(paths.lock) else { return before }  // an engine just started: it sees the request
        defer { withExtendedLifetime(lock) {} }
        OrphanTrials.kill(job: name)
        let journal = try SweepJournal(path: paths.journal)
        for trial in before.trials where trial.state == .running {
            try journal.append(["event": "trial_ended", "number": .int(trial.number), "state": .string(TrialState.canceled.rawValue),
                                "message": "the sweep was canceled while its engine was not running"])
        }
        try journal.append(["event": "sweep_ended", "status": "Canceled", "reason": "canceled by the user"])
        return try report(name)
    }
}

/// Finds and ends the processes of a job's trials left behind by an engine that died: every trial
/// carries `SWEEPKIT_JOB=<name>` in its environment, which its children inherit.
enum OrphanTrials {
    static func kill(job: String) {
        let marker = Array("SWEEPKIT_JOB=\(job)".utf8)
        let me = getpid()
        for name in FileSystem.entries(of: "/proc") {
            guard let pid = Int32(name), pid != me else { continue }
            let fd = open("/proc/\(pid)/environ", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 16384)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                bytes.append(contentsOf: buffer[0..<count])
            }
            close(fd)
            if bytes.split(separator: 0).contains(where: { Array($0) == marker }) {
                Glibc.kill(pid, SIGKILL)
            }
        }
    }
}
