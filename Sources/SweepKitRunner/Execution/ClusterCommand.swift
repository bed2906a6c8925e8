#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit
import SweepKitPlatform

/// A cluster's command-line tool (`sbatch`, `squeue`, `scancel`, `sacct`), found on PATH and run
/// to completion within a time limit: a controller that does not answer must not hang the engine.
enum ClusterCommand {
    static func run(_ arguments: [String], environment: [(key: String, value: String)]? = nil,
                    timeoutSeconds: Int = 30) throws(SweepKitError) -> ProcessRunner.Result {
        guard let name = arguments.first, let program = find(name, path: environment?.last(where: { $0.key == "PATH" })?.value) else {
            throw .internalFailure("\(arguments.first ?? "a command") is not on PATH")
        }
        var command = [program] + arguments.dropFirst()
        if let timeout = find("timeout", path: nil) { command = [timeout, String(timeoutSeconds)] + command }
        return try ProcessRunner.run(command, environment: environment)
    }

    /// The absolute path of executable `name` on `path` (default: this process's PATH).
    static func find(_ name: String, path: String?) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let directories = (path ?? ProcessEnvironment.value("PATH") ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        for directory in directories + ["/usr/local/bin", "/usr/bin", "/bin"] {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0, !FileSystem.isDirectory(candidate) { return candidate }
        }
        return nil
    }
}

/// A trial's log folder, as a cluster launcher adds to it.
enum TrialLog {
    /// Appends a line to the trial's stderr.txt: what the cluster said about a trial that ended
    /// abnormally, so the trial's message (its last stderr lines) says it.
    static func note(_ line: String, stderrOf logs: String) {
        let fd = open("\(logs)/stderr.txt", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        try? FileSystem.writeAll(fd, line + "\n", path: "\(logs)/stderr.txt")
        close(fd)
    }
}
