import SweepKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKitPlatform

/// The local equivalent of an Azure ML workspace: a directory holding every sweep job's files.
/// Default: `$SWEEPKIT_WORKSPACE`, else `.sweepkit` in the current directory.
public struct Workspace: Sendable {
    public let root: String

    public init(root: String? = nil) {
        let chosen = root ?? ProcessEnvironment.value("SWEEPKIT_WORKSPACE") ?? ".sweepkit"
        self.root = FileSystem.absolute(chosen)
    }

    public func paths(_ name: String) -> JobPaths { JobPaths(directory: "\(root)/jobs/\(name)") }

    /// Validates a job completely (its engine is assembled and discarded, so a plugin that cannot
    /// load or a grid that cannot be built surfaces here), decides its reproducibility defaults,
    /// gives it a name if it has none, and records it (job.json and the journal's `created`
    /// event). Nothing runs yet: an engine process runs it.
    public func submit(_ json: JSONValue) throws(SweepKitError) -> SweepJobSpec {
        try InputLimits.checkEnvironment()
        var spec = try SweepJobSpec(json: Self.resolvingRelativePaths(json)).decidingDefaults()
        try EngineAssembly.loadPlugins(spec.plugins)
        _ = try Sweep(spec: spec.sweep)
        if spec.name.isEmpty {
            repeat { spec.name = JobNames.make() } while FileSystem.exists(paths(spec.name).directory)
        } else if FileSystem.exists(paths(spec.name).directory) {
            throw .validation(field: "name", message: "a job named '\(spec.name)' already exists in \(root)")
        }
        try CodeSnapshot.validate(spec, workspaceRoot: root)
        try (computeTarget(of: spec) ?? .thisMachine).check(spec)
        let paths = paths(spec.name)
        try FileSystem.createDirectory(paths.directory)
        try FileSystem.writeAtomically(paths.spec, spec.json.jsonText + "\n")
        try JobJournal(path: paths.journal).append(.created(spec: spec))
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

    /// The job's journal as read now.
    public func journal(_ name: String) throws(SweepKitError) -> JobJournal.Contents {
        let paths = paths(name)
        guard FileSystem.exists(paths.journal) else {
            throw .validation(field: "name", message: "no job named '\(name)' in \(root)")
        }
        return try JobJournal.read(path: paths.journal)
    }

    public func report(_ name: String) throws(SweepKitError) -> JobReport {
        let paths = paths(name)
        let contents = try journal(name)
        return JobReport(state: JobState(replaying: contents.entries), engineRunning: EngineLock.holder(paths.lock) != nil,
                         journalDamage: contents.damage, directory: paths.directory)
    }

    /// Asks the job's engine to cancel (SIGTERM plus a request file it checks). A job no engine
    /// ever started is canceled here and now. A job whose engine died (`NotResponding`) keeps the
    /// request: the next engine (`resume`) carries it out, stopping the trials that still run and
    /// writing their MLflow runs' final status; the CLI and the Python client start that engine.
    public func cancel(_ name: String) throws(SweepKitError) -> JobReport {
        let paths = paths(name)
        let before = try report(name)
        if before.isFinished { return before }
        try FileSystem.writeAtomically(paths.cancelRequest, "\(Clock.epochMilliseconds())\n")
        if let pid = EngineLock.holder(paths.lock) {
            if pid > 0 { ChildProcess.signal(pid, SIGTERM) }
            return before
        }
        guard before.status == .notStarted else { return before }
        guard let lock = try EngineLock.acquire(paths.lock) else { return before }  // an engine just started: it sees the request
        defer { withExtendedLifetime(lock) {} }
        let journal = try JobJournal(path: paths.journal)
        try journal.append(.sweepEnded(status: .canceled, reason: "canceled by the user", engineCPUSeconds: nil))
        unlink(paths.cancelRequest)
        return try report(name)
    }
}
