import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOSSL
import SweepKit
import SweepKitPlatform

/// How the engine reaches an MLflow tracking server: AsyncHTTPClient (SwiftNIO, TLS by
/// swift-nio-ssl) with pooled keep-alive connections, configured from the environment variables
/// MLflow's own client reads, so trials and engine reach the server the same way:
///
/// - `MLFLOW_TRACKING_USERNAME` + `MLFLOW_TRACKING_PASSWORD` (basic auth), else `MLFLOW_TRACKING_TOKEN` (bearer);
/// - `MLFLOW_TRACKING_SERVER_CERT_PATH` (a PEM CA bundle, trusted besides the system's CAs),
///   `MLFLOW_TRACKING_INSECURE_TLS` (no verification), `MLFLOW_TRACKING_CLIENT_CERT_PATH` (a PEM
///   with the client's certificate and key);
/// - `MLFLOW_HTTP_REQUEST_TIMEOUT`, `MLFLOW_HTTP_REQUEST_MAX_RETRIES`, `MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR`,
///   `MLFLOW_HTTP_REQUEST_BACKOFF_JITTER`, `MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER` (`RetryPolicy`).
///
/// Credentials live only in this object's headers: messages name the server by `display`, the URI
/// without credentials, and never quote a request.
final class MLflowHTTP {
    struct Response {
        let status: Int
        let body: String
        /// Seconds from a `Retry-After` header (429, 503), when it gives a number.
        let retryAfter: Double?
        let location: String?
    }

    /// Why one attempt failed.
    enum Failure: Error {
        /// Worth retrying, as MLflow's client does: connection refused or reset, a timeout, 408/429/5xx.
        /// `status` is the HTTP status when the server answered (busy), nil when nothing answered.
        case transient(String, retryAfter: Double?, status: Int?)
        /// Retrying cannot help (TLS, credentials, a redirect): the message says what to do.
        case permanent(SweepKitError)
    }

    /// `scheme://host:port/path`, without credentials or a trailing slash.
    let base: String
    /// The server as messages name it.
    let display: String
    let policy: RetryPolicy
    private let client: AsyncHTTPClient.HTTPClient
    private let authorization: String?
    private let host: String
    /// Requests sent, for the metric-load benchmark (`SWEEPKIT_TRACKING_STATS`).
    private(set) var requestCount = 0

    static let transientStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]

    init(uri: String, environment: (String) -> String? = ProcessEnvironment.value) throws(SweepKitError) {
        let parsed = try Self.parse(uri)
        base = parsed.base
        display = parsed.base
        host = parsed.host
        policy = try RetryPolicy(environment: environment)
        authorization = Self.authorization(environment)
        var configuration = AsyncHTTPClient.HTTPClient.Configuration(
            tlsConfiguration: parsed.https ? try Self.tls(environment) : nil,
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .milliseconds(Int64(policy.timeoutSeconds * 1000))),
            connectionPool: .init(idleTimeout: .seconds(50)),
            decompression: .enabled(limit: .ratio(100)))
        configuration.httpVersion = .http1Only
        // A refused connection fails the attempt at once; MLflow's schedule (`send`) does the retrying.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = AsyncHTTPClient.HTTPClient(eventLoopGroup: AsyncHTTPClient.HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    deinit { try? client.syncShutdown() }

    /// A URI's scheme, host and base path; a URI with credentials in it is refused (they would be
    /// written into the job's files), without repeating it.
    static func parse(_ uri: String) throws(SweepKitError) -> (base: String, host: String, https: Bool) {
        let https = uri.hasPrefix("https://")
        guard https || uri.hasPrefix("http://") else {
            throw .validation(field: "tracking_uri", message: "expected an http:// or https:// tracking server, got '\(uri)'")
        }
        let rest = uri.dropFirst(https ? 8 : 7)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if authority.contains("@") {
            throw .validation(
                field: "tracking_uri",
                message: "the tracking URI has credentials in it (user:password@); remove them and set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN) instead")
        }
        guard !authority.isEmpty else { throw .validation(field: "tracking_uri", message: "no host in '\(uri)'") }
        var path = String(rest.dropFirst(authority.count).prefix { $0 != "?" && $0 != "#" })
        while path.hasSuffix("/") { path.removeLast() }
        var host = String(authority)
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        return ((https ? "https://" : "http://") + authority + path, host, https)
    }

    /// MLflow's order: basic auth when both user name and password are set, else a bearer token.
    static func authorization(_ environment: (String) -> String?) -> String? {
        if let user = environment("MLFLOW_TRACKING_USERNAME"), !user.isEmpty,
           let password = environment("MLFLOW_TRACKING_PASSWORD"), !password.isEmpty {
            return "Basic " + Base64.encode(Array("\(user):\(password)".utf8))
        }
        if let token = environment("MLFLOW_TRACKING_TOKEN"), !token.isEmpty { return "Bearer \(token)" }
        return nil
    }

    static func tls(_ environment: (String) -> String?) throws(SweepKitError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        let insecure = try RetryPolicy.boolean(environment, "MLFLOW_TRACKING_INSECURE_TLS") ?? false
        let serverCert = environment("MLFLOW_TRACKING_SERVER_CERT_PATH").flatMap { $0.isEmpty ? nil : $0 }
        if insecure, serverCert != nil {
            throw .validation(field: "MLFLOW_TRACKING_INSECURE_TLS",
                              message: "MLFLOW_TRACKING_INSECURE_TLS is true and MLFLOW_TRACKING_SERVER_CERT_PATH is set; set only one (as MLflow requires)")
        }
        if insecure { tls.certificateVerification = .none }
        if let serverCert {
            guard FileSystem.exists(serverCert), !FileSystem.isDirectory(serverCert) else {
                throw .validation(field: "MLFLOW_TRACKING_SERVER_CERT_PATH", message: "\(serverCert) is not a file (a PEM bundle of CA certificates is expected)")
            }
            do { _ = try NIOSSLCertificate.fromPEMFile(serverCert) } catch {
                throw .validation(field: "MLFLOW_TRACKING_SERVER_CERT_PATH", message: "\(serverCert) holds no PEM certificate: \(error)")
            }
            tls.additionalTrustRoots = [.file(serverCert)]
        }
        if let clientCert = environment("MLFLOW_TRACKING_CLIENT_CERT_PATH"), !clientCert.isEmpty {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(clientCert).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: clientCert, format: .pem))
            } catch {
                throw .validation(field: "MLFLOW_TRACKING_CLIENT_CERT_PATH", message: "\(clientCert) must hold the client's certificate and its key (PEM): \(error)")
            }
        }
        return tls
    }

    // MARK: - Requests

    /// Sends a request, retrying transient failures on `policy`'s schedule (MLflow's); a failure
    /// that outlasts it, or one retrying cannot fix, is thrown with the server's address.
    func send(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], json: JSONValue? = nil,
              retrying: Bool = true) throws(SweepKitError) -> Response {
        var failures = 0
        while true {
            switch attempt(method, path, query: query, json: json) {
            case .success(let response):
                return response
            case .failure(.permanent(let error)):
                throw error
            case .failure(.transient(let reason, let retryAfter, _)):
                failures += 1
                guard retrying, failures <= policy.maxRetries else {
                    throw .unavailable(unreachableMessage(reason, failures: failures))
                }
                Clock.sleep(seconds: policy.delay(afterFailures: failures, retryAfter: retryAfter))
            }
        }
    }

    func unreachableMessage(_ reason: String, failures: Int) -> String {
        "the MLflow tracking server \(display) did not answer (\(reason))"
            + (failures > 1 ? " after \(failures) attempts over \(Int(policy.totalBackoffSeconds(failures - 1).rounded())) s" : "")
            + "; is it running and reachable from this machine?"
    }

    /// One attempt, with no retry.
    func attempt(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], json: JSONValue? = nil)
        -> Result<Response, Failure>
    {
        let encoded = query.map { "\(Self.percentEncode($0.0))=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        var headers = HTTPHeaders([("Accept", "application/json"), ("User-Agent", "sweepkit")])
        if let authorization { headers.add(name: "Authorization", value: authorization) }
        var body: AsyncHTTPClient.HTTPClient.Body?
        if let json {
            headers.add(name: "Content-Type", value: "application/json")
            body = .string(json.jsonText)
        }
        let request: AsyncHTTPClient.HTTPClient.Request
        do {
            request = try AsyncHTTPClient.HTTPClient.Request(url: base + path + (encoded.isEmpty ? "" : "?" + encoded), method: method,
                                             headers: headers, body: body)
        } catch {
            return .failure(.permanent(.validation(field: "tracking_uri", message: "'\(display)' is not a usable URL: \(error)")))
        }
        requestCount += 1
        let received: AsyncHTTPClient.HTTPClient.Response
        do {
            received = try client.execute(request: request, deadline: .now() + .milliseconds(Int64(policy.timeoutSeconds * 1000))).wait()
        } catch {
            return .failure(classify(error))
        }
        let status = Int(received.status.code)
        let text = received.body.map { String(buffer: $0) } ?? ""
        let retryAfter = received.headers.first(name: "Retry-After").flatMap(Double.init)
        let response = Response(status: status, body: text, retryAfter: retryAfter, location: received.headers.first(name: "Location"))
        if Self.transientStatuses.contains(status) {
            return .failure(.transient("HTTP \(status)\(Self.excerpt(text))", retryAfter: policy.respectRetryAfter ? retryAfter : nil, status: status))
        }
        if status == 401 || status == 403 {
            return .failure(.permanent(.validation(field: "MLFLOW_TRACKING_URI", message: credentialsMessage(status))))
        }
        if (300..<400).contains(status) {
            let target = response.location.map { (try? Self.parse($0).base) ?? "another address" } ?? "another address"
            return .failure(.permanent(.validation(
                field: "MLFLOW_TRACKING_URI",
                message: "the MLflow tracking server \(display) redirects to \(target) (HTTP \(status)); set MLFLOW_TRACKING_URI to the address it redirects to")))
        }
        return .success(response)
    }

    private func credentialsMessage(_ status: Int) -> String {
        let what = status == 401 ? "asks for credentials" : "refuses the request"
        guard authorization != nil else {
            return "the MLflow tracking server \(display) \(what) (HTTP \(status)): set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (basic auth) or MLFLOW_TRACKING_TOKEN where the sweep is started"
        }
        let which = authorization?.hasPrefix("Basic") == true ? "MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD" : "MLFLOW_TRACKING_TOKEN"
        return status == 401
            ? "the MLflow tracking server \(display) does not accept the credentials in \(which) (HTTP 401)"
            : "the MLflow tracking server \(display) does not allow the user of \(which) to do this (HTTP 403); ask for write permission on the experiment"
    }

    private func classify(_ error: any Error) -> Failure {
        if let ssl = error as? NIOSSLError {
            return .permanent(tlsFailure("\(ssl)"))
        }
        if let extra = error as? NIOSSLExtraError {
            return .permanent(tlsFailure("\(extra)"))
        }
        if let client = error as? HTTPClientError, client == .tlsHandshakeTimeout || client == .uncleanShutdown {
            return .transient("\(client)", retryAfter: nil, status: nil)
        }
        return .transient("\(error)", retryAfter: nil, status: nil)
    }

    private func tlsFailure(_ detail: String) -> SweepKitError {
        .validation(
            field: "MLFLOW_TRACKING_URI",
            message: "cannot make a trusted TLS connection to the MLflow tracking server \(display) (\(detail)): set MLFLOW_TRACKING_SERVER_CERT_PATH to the PEM file of the CA that signed its certificate (the system's CAs are trusted already), or MLFLOW_TRACKING_INSECURE_TLS=true to skip verification")
    }

    static func excerpt(_ text: String) -> String {
        let trimmed = text.trimmingWhitespace
        return trimmed.isEmpty ? "" : ": " + String(trimmed.prefix(300))
    }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}

/// MLflow's client retry schedule (urllib3's `Retry` as `mlflow.utils.request_utils` sets it up),
/// read from the same variables: up to `MLFLOW_HTTP_REQUEST_MAX_RETRIES` (7) retries of a transient
/// failure; before retry n, `MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR` (2) · 2^(n−1) seconds (none before
/// the first, at most 120), plus up to `MLFLOW_HTTP_REQUEST_BACKOFF_JITTER` (1) s at random, or the
/// server's `Retry-After`. By default a server may stay unreachable for about four minutes: as long
/// as the trials' own MLflow keeps retrying.
struct RetryPolicy {
    var maxRetries = 7
    var backoffFactor = 2.0
    var jitter = 1.0
    var timeoutSeconds = 120.0
    var respectRetryAfter = true
    static let maxBackoff = 120.0

    init() {}

    init(environment: (String) -> String?) throws(SweepKitError) {
        func number(_ name: String, _ range: ClosedRange<Double>) throws(SweepKitError) -> Double? {
            guard let text = environment(name), !text.isEmpty else { return nil }
            guard let value = Double(text.trimmingWhitespace), range.contains(value) else {
                throw .validation(field: name, message: "expected a number in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
            }
            return value
        }
        if let value = try number("MLFLOW_HTTP_REQUEST_MAX_RETRIES", 0...10) { maxRetries = Int(value) }
        if let value = try number("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", 0...120) { backoffFactor = value }
        if let value = try number("MLFLOW_HTTP_REQUEST_BACKOFF_JITTER", 0...3600) { jitter = value }
        if let value = try number("MLFLOW_HTTP_REQUEST_TIMEOUT", 0.001...86400) { timeoutSeconds = value }
        if let value = try Self.boolean(environment, "MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER") { respectRetryAfter = value }
    }

    /// MLflow's boolean variables: true/1 or false/0, any case.
    static func boolean(_ environment: (String) -> String?, _ name: String) throws(SweepKitError) -> Bool? {
        guard let text = environment(name)?.trimmingWhitespace.lowercased(), !text.isEmpty else { return nil }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw .validation(field: name, message: "expected true, false, 1 or 0, got '\(text)'")
        }
    }

    /// Seconds to wait after the `failures`-th consecutive failure, before the next attempt.
    func delay(afterFailures failures: Int, retryAfter: Double? = nil) -> Double {
        if let retryAfter, retryAfter >= 0 { return min(retryAfter, Self.maxBackoff) }
        return backoff(afterFailures: failures) + (jitter > 0 ? Double.random(in: 0...jitter) : 0)
    }

    func backoff(afterFailures failures: Int) -> Double {
        failures <= 1 ? 0 : min(Self.maxBackoff, backoffFactor * Double(1 << min(failures - 1, 30)))
    }

    /// The waits (without jitter) before `retries` retries: how long a server may stay unreachable.
    func totalBackoffSeconds(_ retries: Int) -> Double {
        (0..<max(0, retries)).reduce(0) { $0 + backoff(afterFailures: $1 + 1) }
    }

    var outageSeconds: Double { totalBackoffSeconds(maxRetries) }
}

enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * $1.offset) }
            for position in 0..<4 {
                out.append(position <= chunk.count ? alphabet[Int(value >> (18 - 6 * position)) & 63] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
