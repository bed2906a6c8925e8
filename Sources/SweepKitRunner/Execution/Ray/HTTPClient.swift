import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import SweepKit

/// JSON over HTTP(S) for the engine's other HTTP peers (the Ray dashboard): one attempt per call,
/// no retries, on AsyncHTTPClient (pooled keep-alive connections, TLS with the system's CAs). The
/// MLflow store uses `MLflowHTTP`, which adds MLflow's credentials, TLS settings and retries.
///
/// `bearerToken`, when given, goes with every request; nothing else does (MLflow's token is for
/// the tracking server, never for another peer).
final class HTTPClient {
    struct Response {
        let status: Int
        let body: String
    }

    let base: String
    let timeoutSeconds: Int
    private let bearerToken: String?
    private let client: AsyncHTTPClient.HTTPClient

    init(baseURL: String, timeoutSeconds: Int = 30, bearerToken: String? = nil) throws(SweepKitError) {
        guard baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://"), baseURL.count > 8 else {
            throw .validation(field: "address", message: "expected an http:// or https:// address, got '\(baseURL)'")
        }
        var trimmed = baseURL
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        base = trimmed
        self.timeoutSeconds = timeoutSeconds
        self.bearerToken = bearerToken
        var configuration = AsyncHTTPClient.HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(Int64(timeoutSeconds))))
        configuration.httpVersion = .http1Only
        configuration.connectionPool.retryConnectionEstablishment = false  // a refused connection fails at once
        client = AsyncHTTPClient.HTTPClient(eventLoopGroup: AsyncHTTPClient.HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    deinit { try? client.syncShutdown() }

    func get(_ path: String, query: [(String, String)] = []) throws(SweepKitError) -> Response {
        let encoded = query.map { "\(Self.percentEncode($0.0))=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        return try request("GET", path + (encoded.isEmpty ? "" : "?" + encoded))
    }

    func post(_ path: String, json: JSONValue) throws(SweepKitError) -> Response {
        try request("POST", path, headers: [("Content-Type", "application/json")], body: Array(json.jsonText.utf8))
    }

    /// Any method, headers and a body of bytes.
    func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil)
        throws(SweepKitError) -> Response
    {
        var all = HTTPHeaders([("Accept", "application/json"), ("User-Agent", "sweepkit")] + headers)
        if let token = bearerToken, !token.isEmpty {
            all.replaceOrAdd(name: "Authorization", value: "Bearer \(token)")
        }
        do {
            let request = try AsyncHTTPClient.HTTPClient.Request(
                url: base + path, method: HTTPMethod(rawValue: method), headers: all, body: body.map { .bytes($0) })
            let response = try client.execute(request: request, deadline: .now() + .seconds(Int64(timeoutSeconds))).wait()
            return Response(status: Int(response.status.code), body: response.body.map { String(buffer: $0) } ?? "")
        } catch {
            throw .internalFailure("cannot reach \(base): \(error)")
        }
    }

    static func percentEncode(_ text: String) -> String { MLflowHTTP.percentEncode(text) }
}
