#if canImport(Glibc)
import Glibc
#endif

/// The lock that makes one engine process the only writer of a job: an exclusive `flock` on
/// `engine.lock`, released by the kernel when the process ends, however it ends (kill -9 included).
public final class EngineLock {
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }

    /// Takes the lock, or returns nil when another engine holds it.
    public static func acquire(_ path: String) throws(SweepKitError) -> EngineLock? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystem.failure("cannot open", path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        ftruncate(fd, 0)
        try? FileSystem.writeAll(fd, "\(getpid())\n", path: path)
        return EngineLock(fd: fd)
    }

    /// The pid of the engine holding the lock, or nil when no engine runs the job.
    public static func holder(_ path: String) -> Int32? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        return (try? FileSystem.read(path)).flatMap { Int32($0.trimmingWhitespace) } ?? -1
    }
}
