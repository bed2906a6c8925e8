import SweepKit
import SweepKitPlatform
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client for JSON APIs on `http://` (one request per connection), enough
/// for an MLflow tracking server. TLS is not supported.
struct HTTPClient {
    struct Response {
        let status: Int
        let body: String
    }

    let host: String
    let port: String
    let basePath: String
    let timeoutSeconds: Int

    init(baseURL: String, timeoutSeconds: Int = 30) throws(SweepKitError) {
        guard baseURL.hasPrefix("http://") else {
            throw .validation(field: "tracking_uri", message: "only http:// tracking servers are supported, got '\(baseURL)'")
        }
        var rest = String(baseURL.dropFirst(7))
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            rest = String(rest[..<slash])
        }
        while path.hasSuffix("/") { path.removeLast() }
        if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            port = String(rest[rest.index(after: colon)...])
        } else {
            host = rest
            port = "80"
        }
        basePath = path
        self.timeoutSeconds = timeoutSeconds
    }

    func get(_ path: String, query: [(String, String)] = []) throws(SweepKitError) -> Response {
        let encoded = query.map { "\(Self.percentEncode($0.0))=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        return try request("GET", path + (encoded.isEmpty ? "" : "?" + encoded), body: nil)
    }

    func post(_ path: String, json: JSONValue) throws(SweepKitError) -> Response {
        try request("POST", path, body: json.jsonText)
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

    private func request(_ method: String, _ path: String, body: String?) throws(SweepKitError) -> Response {
        let socket = try connect()
        defer { close(socket) }
        var head = "\(method) \(basePath)\(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nAccept: application/json\r\n"
        if let token = ProcessEnvironment.value("MLFLOW_TRACKING_TOKEN") { head += "Authorization: Bearer \(token)\r\n" }
        if let body {
            head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
        }
        try FileSystem.writeAll(socket, head + "\r\n" + (body ?? ""), path: "http://\(host):\(port)")
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count < 0 { if errno == EINTR { continue }; throw failure("read from") }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return try parse(bytes)
    }

    private func failure(_ what: String) -> SweepKitError {
        .internalFailure("cannot \(what) the MLflow server http://\(host):\(port): \(String(cString: strerror(errno)))")
    }

    private func connect() throws(SweepKitError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, port, &hints, &results) == 0, let first = results else {
            throw .internalFailure("cannot resolve the MLflow server host '\(host)'")
        }
        defer { freeaddrinfo(results) }
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            if fd >= 0 {
                var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return fd }
                close(fd)
            }
            candidate = address.pointee.ai_next
        }
        throw failure("connect to")
    }

    private func parse(_ bytes: [UInt8]) throws(SweepKitError) -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else {
            throw .internalFailure("the MLflow server http://\(host):\(port) sent an incomplete response")
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw .internalFailure("the MLflow server sent a malformed status line")
        }
        var body = Array(bytes[(end + 4)...])
        let chunked = lines.contains { $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked") }
        if chunked { body = Self.dechunk(body) }
        return Response(status: status, body: String(decoding: body, as: UTF8.self))
    }

    static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let lineEnd = (index..<max(index, bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { break }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters, radix: 16), size > 0 else { break }
            let start = lineEnd + 2
            guard start + size <= bytes.count else { break }
            out.append(contentsOf: bytes[start..<start + size])
            index = start + size + 2
        }
        return out
    }
}

private extension Substring {
    var trimmingCharacters: String { String(self).trimmingWhitespace }
}
