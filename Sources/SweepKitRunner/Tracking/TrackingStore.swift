#if canImport(Glibc)
import Glibc
#endif
import SweepKit
import SweepKitPlatform
/// Where the sweep's runs and the trials' metrics live: an MLflow store.
///
/// Lifecycle: the job runner calls `prepare` once before any trial starts, gets or creates the
/// experiment, creates the sweep's parent run, and one child run per trial before launching it (the
/// trial logs into it through `MLFLOW_RUN_ID`). While a trial runs, the runner reads its new metric
/// points with `newMetricPoints` (incrementally, through a cursor); when it ends, the runner writes
/// the run's final status itself (MLflow marks crashed scripts FINISHED and killed ones RUNNING).
public protocol TrackingStore: AnyObject {
    /// The URI trials receive in `MLFLOW_TRACKING_URI`.
    var uri: String { get }
    func prepare() throws(SweepKitError)
    func experimentID(named name: String) throws(SweepKitError) -> String
    func createRun(experimentID: String, name: String, parentRunID: String?, tags: [(String, String)],
                   params: [(String, String)]) throws(SweepKitError) -> String
    /// Points of metric `key` logged after `cursor` (opaque, starts at 0), in logging order.
    func newMetricPoints(runID: String, key: String, cursor: inout Int) throws(SweepKitError) -> [MetricPoint]
    /// The names of every metric the run logged.
    func metricKeys(runID: String) throws(SweepKitError) -> [String]
    func finishRun(runID: String, status: RunStatus, tags: [(String, String)]) throws(SweepKitError)
    func setTags(runID: String, tags: [(String, String)]) throws(SweepKitError)
    /// The active runs of `experimentID` whose tag `key` is `value`, oldest first: how an engine
    /// finds the runs a crashed engine created before it could journal them.
    func runs(experimentID: String, taggedWith key: String, value: String) throws(SweepKitError) -> [String]
    /// Moves a run to MLflow's trash (lifecycle stage `deleted`), as `mlflow runs delete` does.
    func deleteRun(runID: String) throws(SweepKitError)
    /// Like `newMetricPoints`, for a trial that is still running: nil when the store is briefly
    /// unreachable (a tracking server restarting), so the runner goes on and reads them later. A
    /// store unreachable for longer than it tolerates throws.
    func pollMetricPoints(runID: String, key: String, cursor: inout Int) throws(SweepKitError) -> [MetricPoint]?
    /// Logs one metric point into a run (the sweep's parent run shows the best value so far).
    func logMetric(runID: String, key: String, value: Double, step: Int) throws(SweepKitError)
    /// Logs params into a run; keys the run already has keep their value (MLflow params never change).
    func logParams(runID: String, params: [(String, String)]) throws(SweepKitError)
}

extension TrackingStore {
    public func pollMetricPoints(runID: String, key: String, cursor: inout Int) throws(SweepKitError) -> [MetricPoint]? {
        try newMetricPoints(runID: runID, key: key, cursor: &cursor)
    }
    public func logMetric(runID: String, key: String, value: Double, step: Int) throws(SweepKitError) {}
    public func logParams(runID: String, params: [(String, String)]) throws(SweepKitError) {}
}

public struct MetricPoint: Equatable, Sendable {
    public let step: Int
    public let value: Double
    public let timestamp: Int64

    public init(step: Int, value: Double, timestamp: Int64) {
        self.step = step
        self.value = value
        self.timestamp = timestamp
    }
}

/// MLflow's run statuses.
public enum RunStatus: String, Sendable {
    case running = "RUNNING"
    case finished = "FINISHED"
    case failed = "FAILED"
    case killed = "KILLED"
}

/// `tracking_uri: none`: no MLflow at all (trials complete when they exit 0; used by the
/// throughput benchmark and for commands that report nothing).
public final class NoTrackingStore: TrackingStore {
    public let uri = "none"
    public init() {}
    public func prepare() throws(SweepKitError) {}
    public func experimentID(named name: String) throws(SweepKitError) -> String { "" }
    public func createRun(experimentID: String, name: String, parentRunID: String?, tags: [(String, String)],
                          params: [(String, String)]) throws(SweepKitError) -> String { "" }
    public func newMetricPoints(runID: String, key: String, cursor: inout Int) throws(SweepKitError) -> [MetricPoint] { [] }
    public func metricKeys(runID: String) throws(SweepKitError) -> [String] { [] }
    public func finishRun(runID: String, status: RunStatus, tags: [(String, String)]) throws(SweepKitError) {}
    public func setTags(runID: String, tags: [(String, String)]) throws(SweepKitError) {}
    public func runs(experimentID: String, taggedWith key: String, value: String) throws(SweepKitError) -> [String] { [] }
    public func deleteRun(runID: String) throws(SweepKitError) {}
}

/// Opens the store a tracking URI names.
public enum TrackingStores {
    public static func open(uri: String, python: String) throws(SweepKitError) -> any TrackingStore {
        if uri == "none" { return NoTrackingStore() }
        if uri.hasPrefix("sqlite:///") { return MLflowSQLiteStore(uri: uri, python: python) }
        if uri.hasPrefix("http://") || uri.hasPrefix("https://") { return try MLflowRESTStore(uri: uri, python: python) }
        throw .validation(field: "tracking_uri", message: "unsupported tracking URI '\(uri)' (use sqlite:///<absolute path>, http(s)://host:port or none)")
    }
}

/// MLflow's experiment-kind tag. MLflow 3's UI opens an experiment without it on its GenAI
/// overview; with it, on the runs.
enum ExperimentKind {
    static let tag = "mlflow.experimentKind"
    static let modelTraining = "custom_model_development"
}

/// What the trials' interpreter has of MLflow: trials log with it, so SweepKit depends on what it
/// can do (log; open a SQLite store), not on its version. Any MLflow from 2.9 on, `mlflow` or
/// `mlflow-skinny`, logs to a tracking server; a SQLite store also needs SQLAlchemy and alembic
/// (the full `mlflow` package), and a schema at the revision that MLflow expects.
struct TrialMLflow: Equatable {
    /// "mlflow" or "mlflow-skinny".
    let distribution: String
    let version: String
    let canOpenSQLite: Bool
    /// The newest schema revision among the interpreter's MLflow migrations (nil: not found).
    let schemaHead: String?
    /// Every revision those migrations know.
    let schemaRevisions: Set<String>

    /// Fast: looks at installed distributions and files, imports nothing heavy.
    static let script = #"""
import importlib.metadata as m, importlib.util as u, json, os, re
dists = {}
for name in ("mlflow", "mlflow-skinny"):
    try:
        dists[name] = m.version(name)
    except Exception:
        pass
spec = u.find_spec("mlflow")
sql = all(u.find_spec(n) is not None for n in ("sqlalchemy", "alembic"))
revisions, downs = set(), set()
if spec and spec.origin:
    folder = os.path.join(os.path.dirname(spec.origin), "store", "db_migrations", "versions")
    for entry in (os.listdir(folder) if os.path.isdir(folder) else []):
        if entry.endswith(".py"):
            text = open(os.path.join(folder, entry), encoding="utf-8", errors="replace").read()
            found = re.search(r"^revision\s*(?::[^=]*)?=\s*[\x22\x27](\w+)[\x22\x27]", text, re.M)
            down = re.search(r"^down_revision\s*(?::[^=]*)?=\s*(.+)$", text, re.M)
            if found:
                revisions.add(found.group(1))
            if down:
                downs.update(re.findall(r"[\x22\x27](\w+)[\x22\x27]", down.group(1)))
heads = sorted(revisions - downs)
print(json.dumps({"module": spec is not None, "dists": dists, "sql": sql,
                  "head": heads[0] if len(heads) == 1 else None, "revisions": sorted(revisions)}))
"""#

    static func inspect(python: String) throws(SweepKitError) -> TrialMLflow {
        let result = try ProcessRunner.run([python, "-c", script])
        guard result.status == 0, case .object(let info)? = try? JSONValue(parsing: result.stdout.trimmingWhitespace) else {
            throw .validation(field: "python", message: "cannot run the trials' interpreter \(python): \(result.stderr.suffix(400))")
        }
        let dists = info["dists"]?.object ?? [:]
        guard info["module"] == .bool(true), let distribution = dists["mlflow"] != nil ? "mlflow" : dists["mlflow-skinny"] != nil ? "mlflow-skinny" : nil else {
            throw .validation(
                field: "python",
                message: "the trials' interpreter \(python) has no MLflow (trials log their metrics with it): run `\(python) -m pip install mlflow` (or mlflow-skinny, when they log to a tracking server)")
        }
        return TrialMLflow(
            distribution: distribution, version: dists[distribution]?.string ?? "?", canOpenSQLite: info["sql"] == .bool(true),
            schemaHead: info["head"]?.string, schemaRevisions: Set((info["revisions"]?.array ?? []).compactMap(\.string)))
    }
}

/// `SWEEPKIT_TRACKING_STATS_FILE`: where a store appends what it sent when the engine ends (one
/// JSON line), for benchmarks/metric_load.py.
enum TrackingStats {
    static func write(store: String, requests: Int) {
        guard let path = ProcessEnvironment.value("SWEEPKIT_TRACKING_STATS_FILE") else { return }
        let line = JSONValue.object(["store": .string(store), "requests": .int(requests),
                                     "pid": .int(Int(getpid()))]).jsonText + "\n"
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        try? FileSystem.writeAll(fd, line, path: path)
    }
}

/// The value lengths every MLflow from 2.9 accepts (3.x allows longer tags; 2.x refuses them).
enum MLflowLimits {
    static let tagValue = 5000
    static let paramValue = 6000
}
