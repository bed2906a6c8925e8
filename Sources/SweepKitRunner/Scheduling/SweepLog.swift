#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit

/// The human-readable progress of a sweep (`sweep.log`, what `job stream` shows): one timestamped
/// line per event, also passed to a progress callback (`job run --stream`).
final class SweepLog {
    private let path: String
    private let fd: Int32
    private let progress: ((String) -> Void)?

    init(path: String, progress: ((String) -> Void)?) {
        self.path = path
        self.progress = progress
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    }

    deinit { if fd >= 0 { close(fd) } }

    func write(_ message: String) {
        let line = "[\(Self.timestamp())] \(message)\n"
        if fd >= 0 { try? FileSystem.writeAll(fd, line, path: path) }
        progress?(line)
    }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        strftime(&buffer, 32, "%Y-%m-%d %H:%M:%S", &parts)
        return String(nulTerminated: buffer)
    }
}
