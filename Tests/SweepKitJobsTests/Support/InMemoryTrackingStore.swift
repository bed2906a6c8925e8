import SweepKit
import SweepKitRunner

/// An MLflow store in memory, with the same contract as the SQLite and REST stores: what the
/// job engine's unit tests run against.
final class InMemoryTrackingStore: TrackingStore {
    struct Run {
        var name: String
        var experimentID: String
        var parent: String?
        var status: RunStatus = .running
        var tags: [String: String] = [:]
        var params: [String: String] = [:]
        var metrics: [String: [MetricPoint]] = [:]
        var deleted = false
    }

    let uri = "memory"
    private(set) var runs: [String: Run] = [:]
    private(set) var runOrder: [String] = []
    private var nextRun = 0
    private(set) var metricReads = 0
    /// Metric reads fail from this one on, as when the store's file is deleted mid-sweep.
    var failReadsAfter = Int.max

    func prepare() throws(SweepKitError) {}
    func experimentID(named name: String) throws(SweepKitError) -> String { "1" }

    func createRun(experimentID: String, name: String, parentRunID: String?, tags: [(String, String)],
                   params: [(String, String)]) throws(SweepKitError) -> String {
        nextRun += 1
        let id = "run\(nextRun)"
        addRun(id, Run(name: name, experimentID: experimentID, parent: parentRunID,
                       tags: Dictionary(tags, uniquingKeysWith: { $1 }), params: Dictionary(params, uniquingKeysWith: { $1 })))
        return id
    }

    /// A run made outside the engine's API (e.g. by "a crashed engine" in a test).
    func addRun(_ id: String, _ run: Run) {
        runs[id] = run
        runOrder.append(id)
    }

    func log(runID: String, key: String, value: Double) {
        let step = runs[runID]?.metrics[key]?.count ?? 0
        runs[runID]?.metrics[key, default: []].append(MetricPoint(step: step, value: value, timestamp: Int64(step)))
    }

    func newMetricPoints(runID: String, key: String, cursor: inout Int) throws(SweepKitError) -> [MetricPoint] {
        metricReads += 1
        guard metricReads <= failReadsAfter else { throw .internalFailure("the store is gone") }
        let all = runs[runID]?.metrics[key] ?? []
        guard all.count > cursor else { return [] }
        defer { cursor = all.count }
        return Array(all[cursor...])
    }

    func metricKeys(runID: String) throws(SweepKitError) -> [String] { (runs[runID]?.metrics.keys).map { $0.sorted() } ?? [] }

    func finishRun(runID: String, status: RunStatus, tags: [(String, String)]) throws(SweepKitError) {
        runs[runID]?.status = status
        try setTags(runID: runID, tags: tags)
    }

    func setTags(runID: String, tags: [(String, String)]) throws(SweepKitError) {
        for (key, value) in tags { runs[runID]?.tags[key] = value }
    }

    func runs(experimentID: String, taggedWith key: String, value: String) throws(SweepKitError) -> [String] {
        runOrder.filter { id in
            guard let run = runs[id] else { return false }
            return !run.deleted && run.experimentID == experimentID && run.tags[key] == value
        }
    }

    func deleteRun(runID: String) throws(SweepKitError) { runs[runID]?.deleted = true }
}
