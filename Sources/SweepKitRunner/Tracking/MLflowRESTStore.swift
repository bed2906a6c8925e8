import SweepKit
import SweepKitPlatform
/// An MLflow tracking server, through its REST API (`/api/2.0/mlflow/...`), for
/// `MLFLOW_TRACKING_URI=http://...`. Same protocol, same behaviour as the SQLite store.
public final class MLflowRESTStore: TrackingStore {
    public let uri: String
    let python: String
    private let client: HTTPClient
    private static let api = "/api/2.0/mlflow"

    public init(uri: String, python: String) throws(SweepKitError) {
        self.uri = uri
        self.python = python
        client = try HTTPClient(baseURL: uri)
    }

    private func call(_ response: HTTPClient.Response, _ what: String) throws(SweepKitError) -> JSONObject {
        guard (200..<300).contains(response.status) else {
            throw .internalFailure("MLflow server \(uri): \(what) failed with HTTP \(response.status): \(response.body.prefix(300))")
        }
        guard case .object(let object)? = try? JSONValue(parsing: response.body.isEmpty ? "{}" : response.body) else {
            throw .internalFailure("MLflow server \(uri): \(what) returned something that is not JSON")
        }
        return object
    }

    private func post(_ path: String, _ body: JSONValue, _ what: String) throws(SweepKitError) -> JSONObject {
        try call(client.post(Self.api + path, json: body), what)
    }

    public func prepare() throws(SweepKitError) {
        try TrackingStores.checkMLflow(python: python)
        _ = try call(client.get(Self.api + "/experiments/search", query: [("max_results", "1")]), "reaching the server")
    }

    public func experimentID(named name: String) throws(SweepKitError) -> String {
        func lookUp() throws(SweepKitError) -> String? {
            let response = try client.get(Self.api + "/experiments/get-by-name", query: [("experiment_name", name)])
            if response.status == 404 { return nil }
            let experiment = try call(response, "looking up the experiment")["experiment"]?.object
            if experiment?["lifecycle_stage"]?.string == "deleted" {
                throw .validation(field: "experiment_name", message: "the MLflow experiment '\(name)' was deleted; restore it or choose another name")
            }
            return experiment?["experiment_id"]?.string
        }
        if let id = try lookUp() { return id }
        let response = try client.post(Self.api + "/experiments/create", json: ["name": .string(name)])
        if response.status == 400, let id = try lookUp() { return id }  // created concurrently
        guard let id = try call(response, "creating the experiment")["experiment_id"]?.string else {
            throw .internalFailure("MLflow server \(uri): creating the experiment returned no id")
        }
        return id
    }

    static func keyValues(_ pairs: [(String, String)]) -> JSONValue {
        .array(pairs.map { ["key": .string($0.0), "value": .string($0.1)] })
    }

    public func createRun(experimentID: String, name: String, parentRunID: String?, tags: [(String, String)],
                          params: [(String, String)]) throws(SweepKitError) -> String {
        var allTags = tags + [("mlflow.runName", name), ("mlflow.user", ProcessEnvironment.value("USER") ?? "sweepkit")]
        if let parentRunID { allTags.append(("mlflow.parentRunId", parentRunID)) }
        let created = try post("/runs/create", [
            "experiment_id": .string(experimentID), "run_name": .string(name),
            "start_time": .int(Int(Clock.epochMilliseconds())), "tags": Self.keyValues(allTags),
        ], "creating a run")
        guard let runID = created["run"]?.object?["info"]?.object?["run_id"]?.string else {
            throw .internalFailure("MLflow server \(uri): creating a run returned no run id")
        }
        if !params.isEmpty {
            _ = try post("/runs/log-batch", ["run_id": .string(runID), "params": Self.keyValues(params)], "logging params")
        }
        return runID
    }

    public func newMetricPoints(runID: String, key: String, cursor: inout Int) throws(SweepKitError) -> [MetricPoint] {
        let history = try call(client.get(Self.api + "/metrics/get-history", query: [("run_id", runID), ("metric_key", key)]),
                               "reading a metric history")
        let all = (history["metrics"]?.array ?? []).compactMap { item -> MetricPoint? in
            guard let object = item.object else { return nil }
            let value: Double
            switch object["value"] {
            case .string(let text)?: value = Double(text) ?? .nan  // "NaN"
            case let number?: value = number.number ?? .nan
            case nil: value = .nan
            }
            let step = object["step"].flatMap { $0.number ?? $0.string.flatMap(Double.init) } ?? 0
            let timestamp = object["timestamp"].flatMap { $0.number ?? $0.string.flatMap(Double.init) } ?? 0
            return MetricPoint(step: Int(step), value: value, timestamp: Int64(timestamp))
        }
        guard all.count > cursor else { return [] }
        defer { cursor = all.count }
        return Array(all[cursor...])
    }

    public func metricKeys(runID: String) throws(SweepKitError) -> [String] {
        let run = try call(client.get(Self.api + "/runs/get", query: [("run_id", runID)]), "reading a run")
        let metrics = run["run"]?.object?["data"]?.object?["metrics"]?.array ?? []
        return metrics.compactMap { $0.object?["key"]?.string }.sorted()
    }

    public func finishRun(runID: String, status: RunStatus, tags: [(String, String)]) throws(SweepKitError) {
        try setTags(runID: runID, tags: tags)
        _ = try post("/runs/update", ["run_id": .string(runID), "status": .string(status.rawValue),
                                       "end_time": .int(Int(Clock.epochMilliseconds()))], "updating a run")
    }

    public func runs(experimentID: String, taggedWith key: String, value: String) throws(SweepKitError) -> [String] {
        var found: [String] = []
        var pageToken: String?
        repeat {
            var body: JSONObject = [
                "experiment_ids": [.string(experimentID)], "run_view_type": "ACTIVE_ONLY", "max_results": 1000,
                "filter": .string("tags.`\(key)` = '\(value.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "\\'"))'"),
                "order_by": ["attributes.start_time ASC"],
            ]
            if let pageToken { body["page_token"] = .string(pageToken) }
            let page = try post("/runs/search", .object(body), "searching runs")
            found += (page["runs"]?.array ?? []).compactMap { $0.object?["info"]?.object?["run_id"]?.string }
            pageToken = page["next_page_token"]?.string
        } while pageToken?.isEmpty == false
        return found
    }

    public func deleteRun(runID: String) throws(SweepKitError) {
        _ = try post("/runs/delete", ["run_id": .string(runID)], "deleting a run")
    }

    public func setTags(runID: String, tags: [(String, String)]) throws(SweepKitError) {
        guard !tags.isEmpty else { return }
        _ = try post("/runs/log-batch", ["run_id": .string(runID), "tags": Self.keyValues(tags)], "setting tags")
    }
}
