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
        if uri.hasPrefix("http://") { return try MLflowRESTStore(uri: uri, python: python) }
        throw .validation(field: "tracking_uri", message: "unsupported tracking URI '\(uri)' (use sqlite:///<absolute path>, http://host:port or none)")
    }

    /// The MLflow versions SweepKit is tested with; others are refused with this message.
    public static let supportedMLflow = ">=3.17,<3.19"

    /// Checks that `python` has a supported MLflow (trials log with it); returns its version.
    @discardableResult
    static func checkMLflow(python: String) throws(SweepKitError) -> String {
        let result = try ProcessRunner.run(
            [python, "-c", "import importlib.metadata as m; print(m.version('mlflow'))"])
        guard result.status == 0 else {
            throw .validation(
                field: "python",
                message: "the trials' interpreter \(python) has no MLflow (trials log metrics with it): run `\(python) -m pip install 'mlflow\(supportedMLflow)'`")
        }
        let version = result.stdout.trimmingWhitespace
        let parts = version.split(separator: ".").compactMap { Int($0) }
        guard parts.count >= 2, parts[0] == 3, parts[1] == 17 || parts[1] == 18 else {
            throw .validation(
                field: "python",
                message: "MLflow \(version) in \(python) is not supported; SweepKit is tested with mlflow\(supportedMLflow)")
        }
        return version
    }
}
