import NIOHTTP1
import SweepKit
import SweepKitPlatform

/// An MLflow tracking server, through its REST API (`/api/2.0/mlflow/...`, the same in MLflow 2.x
/// and 3.x), for `MLFLOW_TRACKING_URI=http(s)://...`. Same protocol, same behaviour as the SQLite
/// store; `MLflowHTTP` carries TLS, credentials and MLflow's retry schedule.
///
/// A server that restarts mid-sweep costs nothing: writes and a finished trial's last reads retry
/// on MLflow's schedule, and a running trial's metric read that finds the server away returns
/// nothing (`pollMetricPoints`), so the engine keeps supervising its trials and catches up when the
/// server is back. A server away for longer than the schedule (`RetryPolicy.outageSeconds`) fails
/// the sweep with a message naming it.
public final class MLflowRESTStore: TrackingStore {
    public let uri: String
    let python: String
    private let http: MLflowHTTP
    private static let api = "/api/2.0/mlflow"
    /// Points per page of a metric history: what a read of a running trial costs at most, beyond
    /// the points that are new.
    static let historyPage = 100

    /// Where each trial's metric history was read up to.
    private struct HistoryCursor {
        /// The token of the page being filled (nil: the first page).
        var pageToken: String?
        /// Points of that page already returned.
        var seenOnPage = 0
        /// The last point returned: the page must still have it there, or the history changed.
        var lastSeen: MetricPoint?
        /// Points returned so far (the runner's cursor).
        var total = 0
    }
    private var cursors: [String: HistoryCursor] = [:]
    /// While the server does not answer: since when, and when to try it again.
    private var outage: (since: Double, failures: Int, nextProbe: Double)?

    public init(uri: String, python: String) throws(SweepKitError) {
        self.uri = uri
        self.python = python
        http = try MLflowHTTP(uri: uri)
    }

    deinit {
        TrackingStats.write(store: "rest", requests: http.requestCount)
    }

    // MARK: - Requests

    private func request(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], json: JSONValue? = nil,
                         _ what: String) throws(SweepKitError) -> MLflowHTTP.Response {
        let response = try http.send(method, Self.api + path, query: query, json: json)
        outage = nil
        return response
    }

    private func object(_ response: MLflowHTTP.Response, _ what: String) throws(SweepKitError) -> JSONObject {
        guard (200..<300).contains(response.status) else {
            throw .internalFailure("MLflow tracking server \(http.display): \(what) failed with HTTP \(response.status)\(MLflowHTTP.excerpt(response.body))")
        }
        guard case .object(let object)? = try? JSONValue(parsing: response.body.isEmpty ? "{}" : response.body) else {
            throw .internalFailure("MLflow tracking server \(http.display): \(what) returned something that is not JSON (is \(http.display) an MLflow tracking server?)")
        }
        return object
    }

    private func post(_ path: String, _ body: JSONValue, _ what: String) throws(SweepKitError) -> JSONObject {
        try object(request(.POST, path, json: body, what), what)
    }

    private func get(_ path: String, _ query: [(String, String)], _ what: String) throws(SweepKitError) -> JSONObject {
        try object(request(.GET, path, query: query, what), what)
    }

    // MARK: - TrackingStore

    /// The trials can log (their interpreter has `mlflow` or `mlflow-skinny`), and the server
    /// answers an authenticated search. A server that does not answer at all fails fast here (a
    /// wrong address is the likely cause); one that answers busy (429, 503: a rate limit, a
    /// gateway) is waited for on MLflow's whole schedule, as are mid-sweep outages.
    public func prepare() throws(SweepKitError) {
        _ = try TrialMLflow.inspect(python: python)
        var failures = 0
        while true {
            switch http.attempt(.GET, Self.api + "/experiments/search", query: [("max_results", "1")]) {
            case .success(let response):
                _ = try object(response, "searching experiments (the first request)")
                return
            case .failure(.permanent(let error)):
                throw error
            case .failure(.transient(let reason, let retryAfter, let status)):
                failures += 1
                let allowed = status == nil ? min(2, http.policy.maxRetries) : http.policy.maxRetries
                guard failures <= allowed else { throw .unavailable(http.unreachableMessage(reason, failures: failures)) }
                Clock.sleep(seconds: http.policy.delay(afterFailures: failures, retryAfter: retryAfter) + 1)
            }
        }
    }

    public func experimentID(named name: String) throws(SweepKitError) -> String {
        func lookUp() throws(SweepKitError) -> JSONObject? {
            let response = try request(.GET, "/experiments/get-by-name", query: [("experiment_name", name)], "looking up the experiment")
            if response.status == 404 { return nil }
            guard let experiment = try object(response, "looking up the experiment")["experiment"]?.object else { return nil }
            if experiment["lifecycle_stage"]?.string == "deleted" {
                throw .validation(field: "experiment_name", message: "the MLflow experiment '\(name)' was deleted; restore it or choose another name")
            }
            return experiment
        }
        if let experiment = try lookUp(), let id = experiment["experiment_id"]?.string {
            let tags = experiment["tags"]?.array ?? []
            if !tags.contains(where: { $0.object?["key"]?.string == ExperimentKind.tag }) {
                _ = try post("/experiments/set-experiment-tag", [
                    "experiment_id": .string(id), "key": .string(ExperimentKind.tag), "value": .string(ExperimentKind.modelTraining),
                ], "tagging the experiment")
            }
            return id
        }
        let response = try request(.POST, "/experiments/create", json: [
            "name": .string(name), "tags": Self.keyValues([(ExperimentKind.tag, ExperimentKind.modelTraining)]),
        ], "creating the experiment")
        if response.status == 400, let id = try lookUp()?["experiment_id"]?.string { return id }  // created concurrently
        guard let id = try object(response, "creating the experiment")["experiment_id"]?.string else {
            throw .internalFailure("MLflow tracking server \(http.display): creating the experiment returned no id")
        }
        return id
    }

    static func keyValues(_ pairs: [(String, String)]) -> JSONValue {
        .array(pairs.map { ["key": .string($0.0), "value": .string($0.1)] })
    }

    public func createRun(experimentID: String, name: String, parentRunID: String?, tags: [(String, String)],
                          params: [(String, String)]) throws(SweepKitError) -> String {
        var allTags = tags + [("mlflow.runName", name), ("mlflow.user", ProcessEnvironment.value("USER") ?? "sweepkit"),
                              ("mlflow.source.type", "LOCAL")]
        if let parentRunID { allTags.append(("mlflow.parentRunId", parentRunID)) }
        // runs/create is not idempotent: a retry after a lost answer looks for the run the first
        // attempt may have made (by a tag only this request carries) before making another.
        let request = RunIdentifier.make()
        allTags.append((Self.requestTag, request))
        let body: JSONValue = [
            "experiment_id": .string(experimentID), "run_name": .string(name),
            "start_time": .int(Int(Clock.epochMilliseconds())), "tags": Self.keyValues(allTags),
        ]
        var failures = 0
        var runID: String?
        while runID == nil {
            if failures > 0, let found = try? runs(experimentID: experimentID, taggedWith: Self.requestTag, value: request).first {
                runID = found
                break
            }
            switch http.attempt(.POST, Self.api + "/runs/create", json: body) {
            case .success(let response):
                outage = nil
                runID = try object(response, "creating a run")["run"]?.object?["info"]?.object?["run_id"]?.string
                guard runID != nil else { throw .internalFailure("MLflow tracking server \(http.display): creating a run returned no run id") }
            case .failure(.permanent(let error)):
                throw error
            case .failure(.transient(let reason, let retryAfter, _)):
                failures += 1
                guard failures <= http.policy.maxRetries else { throw .unavailable(http.unreachableMessage(reason, failures: failures)) }
                Clock.sleep(seconds: http.policy.delay(afterFailures: failures, retryAfter: retryAfter))
            }
        }
        let created = runID ?? ""
        try logParams(runID: created, params: params, skippingLogged: false)
        return created
    }

    static let requestTag = "sweepkit.request"

    public func newMetricPoints(runID: String, key: String, cursor: inout Int) throws(SweepKitError) -> [MetricPoint] {
        try readHistory(runID: runID, key: key, cursor: &cursor, polling: false) ?? []
    }

    public func pollMetricPoints(runID: String, key: String, cursor: inout Int) throws(SweepKitError) -> [MetricPoint]? {
        let now = Clock.monotonicSeconds()
        if let outage, now < outage.nextProbe { return nil }
        return try readHistory(runID: runID, key: key, cursor: &cursor, polling: true)
    }

    /// One page of a metric history, as sent: its points and the next page's token.
    private func historyPage(runID: String, key: String, token: String?, polling: Bool)
        throws(SweepKitError) -> (points: [MetricPoint], next: String?)?
    {
        var query = [("run_id", runID), ("metric_key", key), ("max_results", String(Self.historyPage))]
        if let token { query.append(("page_token", token)) }
        let response: MLflowHTTP.Response
        if polling {
            switch http.attempt(.GET, Self.api + "/metrics/get-history", query: query) {
            case .success(let answer):
                outage = nil
                response = answer
            case .failure(.permanent(let error)):
                throw error
            case .failure(.transient(let reason, let retryAfter, _)):
                let now = Clock.monotonicSeconds()
                var current = outage ?? (since: now, failures: 0, nextProbe: now)
                current.failures += 1
                if current.failures > http.policy.maxRetries, now - current.since >= http.policy.outageSeconds {
                    throw .unavailable(http.unreachableMessage(reason, failures: current.failures))
                }
                current.nextProbe = now + http.policy.delay(afterFailures: current.failures, retryAfter: retryAfter)
                outage = current
                return nil
            }
        } else {
            response = try request(.GET, "/metrics/get-history", query: query, "reading a metric history")
        }
        let history = try object(response, "reading a metric history")
        let points = (history["metrics"]?.array ?? []).compactMap { item -> MetricPoint? in
            guard let object = item.object else { return nil }
            let value: Double
            switch object["value"] {
            case .string(let text)?: value = Double(text) ?? .nan  // "NaN", "Infinity"
            case let number?: value = number.number ?? .nan
            case nil: value = .nan
            }
            let step = object["step"].flatMap { $0.number ?? $0.string.flatMap(Double.init) } ?? 0
            let timestamp = object["timestamp"].flatMap { $0.number ?? $0.string.flatMap(Double.init) } ?? 0
            return MetricPoint(step: Int(step), value: value, timestamp: Int64(timestamp))
        }
        let next = history["next_page_token"]?.string
        return (points, next?.isEmpty == false ? next : nil)
    }

    /// The points after `cursor`, read page by page from where the last read ended: a running
    /// trial's read costs one request returning at most `historyPage` points beyond the new ones,
    /// however long its history. (The server orders a history by timestamp, step and value; page
    /// tokens are used as the server hands them out.) nil: the server is away (polling only).
    private func readHistory(runID: String, key: String, cursor: inout Int, polling: Bool) throws(SweepKitError) -> [MetricPoint]? {
        let id = runID + "\u{0}" + key
        var state = cursor == 0 ? HistoryCursor() : (cursors[id] ?? HistoryCursor())
        if state.total != cursor {
            // Not where this store left it: read everything and count from the cursor.
            guard let all = try fullHistory(runID: runID, key: key, polling: polling) else { return nil }
            state = all.state
            cursors[id] = state
            defer { cursor = state.total }
            return Array(all.points.dropFirst(cursor))
        }
        var new: [MetricPoint] = []
        while true {
            guard let page = try historyPage(runID: runID, key: key, token: state.pageToken, polling: polling) else { return nil }
            if state.seenOnPage > 0, page.points.count < state.seenOnPage || !Self.same(page.points[state.seenOnPage - 1], state.lastSeen) {
                // A point was logged with an earlier timestamp than points already read: count again.
                guard let all = try fullHistory(runID: runID, key: key, polling: polling) else { return nil }
                new = Array(all.points.dropFirst(cursor))
                state = all.state
                break
            }
            new += page.points.dropFirst(state.seenOnPage)
            if let next = page.next {
                state.pageToken = next
                state.seenOnPage = 0
                state.lastSeen = page.points.last ?? state.lastSeen
                continue
            }
            state.seenOnPage = page.points.count
            state.lastSeen = page.points.last ?? state.lastSeen
            state.total = cursor + new.count
            break
        }
        cursors[id] = state
        cursor = state.total
        return new
    }

    /// Equal points (NaN equals NaN here: a history may hold NaN values).
    static func same(_ a: MetricPoint, _ b: MetricPoint?) -> Bool {
        guard let b else { return false }
        return a.step == b.step && a.timestamp == b.timestamp && a.value.bitPattern == b.value.bitPattern
    }

    private func fullHistory(runID: String, key: String, polling: Bool) throws(SweepKitError) -> (points: [MetricPoint], state: HistoryCursor)? {
        var state = HistoryCursor()
        var points: [MetricPoint] = []
        while true {
            guard let page = try historyPage(runID: runID, key: key, token: state.pageToken, polling: polling) else { return nil }
            points += page.points
            state.lastSeen = page.points.last ?? state.lastSeen
            guard let next = page.next else {
                state.seenOnPage = page.points.count
                break
            }
            state.pageToken = next
        }
        state.total = points.count
        return (points, state)
    }

    public func metricKeys(runID: String) throws(SweepKitError) -> [String] {
        let run = try get("/runs/get", [("run_id", runID)], "reading a run")
        let metrics = run["run"]?.object?["data"]?.object?["metrics"]?.array ?? []
        return metrics.compactMap { $0.object?["key"]?.string }.sorted()
    }

    public func finishRun(runID: String, status: RunStatus, tags: [(String, String)]) throws(SweepKitError) {
        try setTags(runID: runID, tags: tags)
        _ = try post("/runs/update", ["run_id": .string(runID), "status": .string(status.rawValue),
                                       "end_time": .int(Int(Clock.epochMilliseconds()))], "updating a run")
    }

    public func logMetric(runID: String, key: String, value: Double, step: Int) throws(SweepKitError) {
        _ = try post("/runs/log-metric", [
            "run_id": .string(runID), "key": .string(key), "value": .double(value),
            "timestamp": .int(Int(Clock.epochMilliseconds())), "step": .int(step),
        ], "logging a metric")
    }

    public func logParams(runID: String, params: [(String, String)]) throws(SweepKitError) {
        try logParams(runID: runID, params: params, skippingLogged: true)
    }

    /// MLflow refuses to change a logged param: with `skippingLogged`, keys the run has already are left as they are.
    private func logParams(runID: String, params: [(String, String)], skippingLogged: Bool) throws(SweepKitError) {
        var remaining = params.map { ($0.0, String($0.1.prefix(MLflowLimits.paramValue))) }
        if skippingLogged, !remaining.isEmpty {
            let run = try get("/runs/get", [("run_id", runID)], "reading a run")
            let logged = Set((run["run"]?.object?["data"]?.object?["params"]?.array ?? []).compactMap { $0.object?["key"]?.string })
            remaining.removeAll { logged.contains($0.0) }
        }
        while !remaining.isEmpty {  // log-batch takes at most 100 params
            let batch = Array(remaining.prefix(100))
            remaining.removeFirst(batch.count)
            _ = try post("/runs/log-batch", ["run_id": .string(runID), "params": Self.keyValues(batch)], "logging params")
        }
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
        var remaining = tags.map { ($0.0, String($0.1.prefix(MLflowLimits.tagValue))) }
        while !remaining.isEmpty {  // log-batch takes at most 100 tags
            let batch = Array(remaining.prefix(100))
            remaining.removeFirst(batch.count)
            _ = try post("/runs/log-batch", ["run_id": .string(runID), "tags": Self.keyValues(batch)], "setting tags")
        }
    }
}
