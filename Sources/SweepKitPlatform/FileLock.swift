#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock on a file (`flock`), released by the kernel when the holder ends,
/// however it ends (kill -9 included). The file holds the holder's pid, for messages.
public final class FileLock {
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }

    /// Takes the lock without waiting, or returns nil when another process holds it.
    public static func tryAcquire(_ path: String) throws(PlatformError) -> FileLock? {
        try acquire(path, wait: false)
    }

    /// Takes the lock, waiting for its holder to release it.
    public static func acquireWaiting(_ path: String) throws(PlatformError) -> FileLock {
        guard let lock = try acquire(path, wait: true) else { throw PlatformError("cannot lock \(path)") }
        return lock
    }

    private static func acquire(_ path: String, wait: Bool) throws(PlatformError) -> FileLock? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PlatformError("cannot open \(path)") }
        while flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            close(fd)
            if errno == EWOULDBLOCK { return nil }
            throw PlatformError("cannot lock \(path)")
        }
        ftruncate(fd, 0)
        let text = "\(getpid())\n"
        _ = text.withCString { write(fd, $0, strlen($0)) }
        return FileLock(fd: fd)
    }

    /// The pid of the process holding the lock at `path`, or nil when nobody holds it
    /// (-1 when the holder is unknown).
    public static func holder(_ path: String) -> Int32? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        let text = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
        return Int32(text.filter { $0.isNumber }) ?? -1
    }
}
