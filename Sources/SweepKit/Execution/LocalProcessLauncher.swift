#if canImport(Glibc)
import Glibc
#endif

/// Runs each trial as a local process in its own process group, through `bash -c` (or `sh -c`),
/// with stdout and stderr in files and stdin from /dev/null.
public final class LocalProcessLauncher: TrialLauncher {
    public init() {}

    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32
    /// glibc >= 2.29 has posix_spawn_file_actions_addchdir_np, but Swift's Glibc module does not
    /// declare it; without it the shell changes directory itself.
    private static let addChdir: AddChdir? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else { return nil }
        return unsafeBitCast(symbol, to: AddChdir.self)
    }()
    private static let shell = FileSystem.exists("/bin/bash") ? "/bin/bash" : "/bin/sh"

    public func launch(_ request: TrialLaunchRequest) throws(SweepKitError) -> LaunchedTrial {
        var arguments: [String]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let addChdir = Self.addChdir, addChdir(&actions, request.workingDirectory) == 0 {
            arguments = [Self.shell, "-c", request.command]
        } else {
            arguments = ["/bin/sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", request.workingDirectory, Self.shell, "-c", request.command]
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, request.stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, request.stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group (so the whole trial can be signalled), default signal handling and
        // an empty signal mask whatever the engine uses.
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
            withCStrings(environment) { envp in
                posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
            }
        }
        guard status == 0 else {
            throw .internalFailure("cannot start the trial process: \(String(cString: strerror(status)))")
        }
        return LaunchedTrial(pid: pid, startTicks: ProcessTable.startTicks(of: pid) ?? 0)
    }

    public func poll(_ trial: LaunchedTrial) -> TrialExit? {
        var status: Int32 = 0
        let result = waitpid(trial.pid, &status, WNOHANG)
        if result == 0 { return nil }
        if result < 0 { return .exited(code: -1) }  // not our child any more: treat as gone
        // The shell may leave background children in the group: end them with the trial.
        kill(-trial.pid, SIGKILL)
        if status & 0x7f == 0 { return .exited(code: (status >> 8) & 0xff) }
        return .signaled(signal: status & 0x7f)
    }

    public func signal(_ trial: LaunchedTrial, _ signal: Int32) {
        kill(-trial.pid, signal)
    }

    public func killOrphans(_ trial: LaunchedTrial) {
        for process in ProcessTable.members(ofGroup: trial.pid) where process.startTicks >= trial.startTicks {
            kill(process.pid, SIGKILL)
        }
    }
}

/// Null-terminated C string arrays for posix_spawn.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Reads /proc to recognise processes across engine restarts.
enum ProcessTable {
    struct Entry {
        let pid: Int32
        let processGroup: Int32
        let startTicks: UInt64
    }

    static func entry(_ pid: Int32) -> Entry? {
        guard let text = try? FileSystem.read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        // Fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
        // utime stime cutime cstime priority nice threads itrealvalue starttime ...
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let group = Int32(fields[2]), let ticks = UInt64(fields[19]) else { return nil }
        return Entry(pid: pid, processGroup: group, startTicks: ticks)
    }

    static func startTicks(of pid: Int32) -> UInt64? { entry(pid)?.startTicks }

    static func members(ofGroup group: Int32) -> [Entry] {
        FileSystem.entries(of: "/proc").compactMap { name in
            guard let pid = Int32(name), let entry = entry(pid), entry.processGroup == group else { return nil }
            return entry
        }
    }
}
