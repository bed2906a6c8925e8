import SweepKit
import SweepKitJobs

/// The Jobs REST API of a Ray cluster's dashboard (Ray's `job_head.py` routes): packages,
/// submission, status, logs, stop; and the nodes' resources. No Ray client runs in the engine.
///
/// Requests go through `HTTPClient` (AsyncHTTPClient: http or https, keep-alive), the compute's
/// token as a bearer token on each. Package uploads get a client of their own with a longer
/// timeout: a code folder may be hundreds of megabytes.
struct RayDashboard {
    let address: String
    private let client: HTTPClient
    private let uploadClient: HTTPClient

    init(address: String, token: String?) throws(SweepKitError) {
        self.address = address
        client = try HTTPClient(baseURL: address, timeoutSeconds: 30, bearerToken: token)
        uploadClient = try HTTPClient(baseURL: address, timeoutSeconds: 900, bearerToken: token)
    }

    struct JobInfo {
        /// PENDING, RUNNING, SUCCEEDED, FAILED or STOPPED.
        let status: String
        let message: String
        let errorType: String?
        let driverExitCode: Int?
        let metadata: JSONObject
    }

    /// The Ray version the dashboard reports (also: is the dashboard there at all?).
    func version() throws(SweepKitError) -> String {
        let response = try send { () throws(SweepKitError) in try client.get("/api/version") }
        guard response.status == 200, let version = try? JSONValue(parsing: response.body).object?["ray_version"]?.string else {
            throw failure("GET /api/version", response)
        }
        return version
    }

    /// The trials the cluster's nodes can run at once, each needing `cpus` CPUs and `gpus` GPUs:
    /// per node the fewest of CPU / cpus and GPU / gpus, summed; nil when the dashboard does not say.
    func capacity(cpus: Double, gpus: Int) -> Int? {
        guard let response = try? send({ () throws(SweepKitError) in try client.get("/nodes", query: [("view", "summary")]) }),
            response.status == 200,
            let summary = (try? JSONValue(parsing: response.body))?.object?["data"]?.object?["summary"]?.array
        else { return nil }
        var total = 0
        for node in summary {
            guard let raylet = node.object?["raylet"]?.object, raylet["state"]?.string ?? "ALIVE" == "ALIVE",
                let resources = raylet["resourcesTotal"]?.object
            else { continue }
            var fits = Int(((resources["CPU"]?.number ?? 0) / cpus).rounded(.down))
            if gpus > 0 { fits = min(fits, Int((resources["GPU"]?.number ?? 0) / Double(gpus))) }
            total += max(0, fits)
        }
        return total > 0 ? total : nil
    }

    /// Whether `gcs://<name>` is on the cluster (a GET also pins it for a while, as Ray's SDK does).
    func hasPackage(_ name: String) throws(SweepKitError) -> Bool {
        let response = try send { () throws(SweepKitError) in try client.get("/api/packages/gcs/\(name)") }
        switch response.status {
        case 200: return true
        case 404: return false
        default: throw failure("GET /api/packages/gcs/\(name)", response)
        }
    }

    func upload(_ package: CodePackage) throws(SweepKitError) {
        let path = "/api/packages/gcs/\(package.name)"
        let response = try send { () throws(SweepKitError) in
            try uploadClient.request("PUT", path, headers: [("Content-Type", "application/octet-stream")], body: package.bytes)
        }
        guard response.status == 200 else { throw failure("PUT \(path)", response) }
    }

    enum Submission {
        case submitted
        /// The submission id is taken: by this trial (an earlier engine submitted it) or another.
        case exists
    }

    func submit(_ body: JSONValue) throws(SweepKitError) -> Submission {
        let response = try send { () throws(SweepKitError) in try client.post("/api/jobs/", json: body) }
        if response.status == 200 { return .submitted }
        if response.body.contains("already exists") { return .exists }
        throw failure("POST /api/jobs/", response)
    }

    /// The job's status; nil when the cluster does not know it (Ray keeps jobs in memory: a
    /// restarted cluster has forgotten them).
    func job(_ id: String) throws(SweepKitError) -> JobInfo? {
        let response = try send { () throws(SweepKitError) in try client.get("/api/jobs/\(HTTPClient.percentEncode(id))") }
        if response.status == 404 { return nil }
        guard response.status == 200, let object = try? JSONValue(parsing: response.body).object,
            let status = object["status"]?.string
        else { throw failure("GET /api/jobs/\(id)", response) }
        var exitCode: Int?
        if case .int(let code)? = object["driver_exit_code"] { exitCode = code }
        return JobInfo(status: status, message: object["message"]?.string ?? "", errorType: object["error_type"]?.string,
                       driverExitCode: exitCode, metadata: object["metadata"]?.object ?? JSONObject())
    }

    /// The job's whole output so far (stdout and stderr merged, Ray's own lines among them).
    func logs(_ id: String) throws(SweepKitError) -> String {
        let response = try send { () throws(SweepKitError) in try client.get("/api/jobs/\(HTTPClient.percentEncode(id))/logs") }
        guard response.status == 200, let logs = try? JSONValue(parsing: response.body).object?["logs"]?.string else {
            throw failure("GET /api/jobs/\(id)/logs", response)
        }
        return logs
    }

    /// Asks Ray to stop the job: SIGTERM to its process group, SIGKILL a few seconds later
    /// (`RAY_JOB_STOP_WAIT_TIME_S`). Harmless for a job that ended or does not exist.
    func stop(_ id: String) {
        _ = try? send { () throws(SweepKitError) in try client.post("/api/jobs/\(HTTPClient.percentEncode(id))/stop", json: .object(JSONObject())) }
    }

    private func send(_ request: () throws(SweepKitError) -> HTTPClient.Response) throws(SweepKitError) -> HTTPClient.Response {
        do { return try request() } catch {
            throw .internalFailure("the Ray dashboard \(address) does not answer: \(error)")
        }
    }

    private func failure(_ request: String, _ response: HTTPClient.Response) -> SweepKitError {
        let body = response.body.count > 1500 ? "..." + String(response.body.suffix(1500)) : response.body
        let hint = response.status == 401 || response.status == 403 ? " (the compute's token is missing or wrong)" : ""
        return .internalFailure("the Ray dashboard \(address) answered \(request) with HTTP \(response.status)\(hint): \(body.trimmingWhitespace)")
    }
}
