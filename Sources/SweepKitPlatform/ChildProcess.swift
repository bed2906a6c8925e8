#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a process ended.
public enum ProcessExit: Equatable, Sendable {
    case exited(code: Int32)
    case signaled(signal: Int32)

    public var succeeded: Bool { self == .exited(code: 0) }

    public var description: String {
        switch self {
        case .exited(let code): return "exited with code \(code)"
        case .signaled(let signal): return "was killed by signal \(signal)"
        }
    }

    /// From a `waitpid` status.
    init(waitStatus status: Int32) {
        self = status & 0x7f == 0 ? .exited(code: (status >> 8) & 0xff) : .signaled(signal: status & 0x7f)
    }

    /// From a shell's `$?`: 128 + n means the command was killed by signal n.
    public init(shellStatus code: Int32) {
        self = code > 128 && code < 128 + 65 ? .signaled(signal: code - 128) : .exited(code: code)
    }
}

/// Starting, reaping and signalling child processes, each the leader of its own process group
/// (so stopping one stops everything it started).
public enum ChildProcess {
    public struct Request {
        public var arguments: [String]
        public var environment: [(key: String, value: String)]
        public var workingDirectory: String
        public var stdinPath = "/dev/null"
        public var stdoutPath: String
        public var stderrPath: String
        /// Append to stdout/stderr instead of truncating them.
        public var appendOutput = false

        public init(arguments: [String], environment: [(key: String, value: String)], workingDirectory: String,
                    stdoutPath: String, stderrPath: String) {
            self.arguments = arguments
            self.environment = environment
            self.workingDirectory = workingDirectory
            self.stdoutPath = stdoutPath
            self.stderrPath = stderrPath
        }
    }

    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32
    /// glibc >= 2.29 has posix_spawn_file_actions_addchdir_np, but Swift's Glibc module does not
    /// declare it; without it a shell changes directory first.
    private static let addChdir: AddChdir? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else { return nil }
        return unsafeBitCast(symbol, to: AddChdir.self)
    }()

    /// Starts `request` in a new process group with default signal handling; returns its pid. A
    /// program name without a slash is looked up in PATH.
    public static func spawn(_ request: Request) throws(PlatformError) -> Int32 {
        guard let program = request.arguments.first else { throw PlatformError("nothing to start", code: EINVAL) }
        var arguments = request.arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if addChdir == nil || addChdir!(&actions, request.workingDirectory) != 0 {
            arguments = ["/bin/sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", request.workingDirectory] + arguments
        }
        let outputFlags = O_WRONLY | O_CREAT | (request.appendOutput ? O_APPEND : O_TRUNC)
        posix_spawn_file_actions_addopen(&actions, 0, request.stdinPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, request.stdoutPath, outputFlags, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, request.stderrPath, outputFlags, 0o644)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, default signal handling and an empty signal mask whatever the
        // parent uses.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)

        let environment = request.environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let status = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp) }
        }
        guard status == 0 else { throw PlatformError("cannot start \(program)", code: status) }
        return pid
    }

    /// The exit of child `pid` if it has ended (reaping it), nil while it runs. A pid that is not
    /// (or no longer) this process's child gives `.notChild`.
    public enum WaitResult: Equatable { case running, ended(ProcessExit), notChild }

    public static func reap(_ pid: Int32) -> WaitResult {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == 0 { return .running }
            if result == pid { return .ended(ProcessExit(waitStatus: status)) }
            if errno == EINTR { continue }
            return .notChild
        }
    }

    /// Blocks until child `pid` ends.
    public static func wait(_ pid: Int32) -> ProcessExit? {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return nil }
        }
        return ProcessExit(waitStatus: status)
    }

    /// Sends `signal` to every process of the group led by `leader`.
    public static func signalGroup(_ leader: Int32, _ signal: Int32) {
        guard leader > 1 else { return }
        kill(-leader, signal)
    }

    public static func signal(_ pid: Int32, _ signal: Int32) {
        guard pid > 1 else { return }
        kill(pid, signal)
    }
}

/// Null-terminated C string arrays for posix_spawn.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
