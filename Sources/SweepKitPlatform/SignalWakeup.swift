#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Turns signals into wake-ups of a waiting loop (the self-pipe trick): the engine sleeps in
/// `wait(seconds:)` until a child exits (SIGCHLD), a stop is requested (SIGTERM, SIGINT, SIGHUP)
/// or its timeout passes, instead of polling. One per process.
public enum SignalWakeup {
    nonisolated(unsafe) private static var pipeFDs: [Int32] = [-1, -1]
    private static let stopRequested = Atomic<Bool>(false)
    private static let installed = Atomic<Bool>(false)

    /// Installs the handlers: SIGCHLD wakes the loop; SIGTERM, SIGINT and SIGHUP also set
    /// `isStopRequested`. SIGPIPE is ignored.
    public static func install() {
        guard installed.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged else { return }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        pipeFDs = fds
        signal(SIGCHLD) { _ in SignalWakeup.poke() }
        for number in [SIGTERM, SIGINT, SIGHUP] {
            signal(number) { _ in
                SignalWakeup.stopRequested.store(true, ordering: .relaxed)
                SignalWakeup.poke()
            }
        }
        signal(SIGPIPE, SIG_IGN)
    }

    /// Whether SIGTERM, SIGINT or SIGHUP arrived.
    public static var isStopRequested: Bool { stopRequested.load(ordering: .relaxed) }

    /// Wakes a waiting `wait` (async-signal-safe: one `write`).
    public static func poke() {
        let fd = pipeFDs[1]
        guard fd >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)
    }

    /// Sleeps until a signal arrives or `seconds` pass; drains pending wake-ups.
    public static func wait(seconds: Double) {
        let fd = pipeFDs[0]
        guard fd >= 0 else {
            sleep(seconds)
            return
        }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(max(0, min(seconds, 3600)) * 1000)
        _ = poll(&entry, 1, milliseconds)
        var buffer = [UInt8](repeating: 0, count: 64)
        while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
    }

    static func sleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
