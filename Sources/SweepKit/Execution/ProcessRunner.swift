#if canImport(Glibc)
import Glibc
#endif

/// Runs a short helper command to completion and captures its output (used for the MLflow checks,
/// not for trials).
enum ProcessRunner {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String], environment: [(key: String, value: String)]? = nil) throws(SweepKitError) -> Result {
        var template = Array("/tmp/sweepkit-run-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw FileSystem.failure("cannot create a temporary directory in", "/tmp") }
        let directory = String(nulTerminated: template)
        defer {
            unlink("\(directory)/out"); unlink("\(directory)/err"); rmdir(directory)
        }
        let launcher = LocalProcessLauncher()
        let command = arguments.map(CommandTemplate.shellQuoted).joined(separator: " ")
        let trial = try launcher.launch(TrialLaunchRequest(
            command: "exec \(command)", workingDirectory: directory,
            environment: environment ?? ProcessEnvironment.current(),
            stdoutPath: "\(directory)/out", stderrPath: "\(directory)/err"))
        var status: Int32 = 0
        while waitpid(trial.pid, &status, 0) < 0 && errno == EINTR {}
        let code: Int32 = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: code, stdout: (try? FileSystem.read("\(directory)/out")) ?? "",
                      stderr: (try? FileSystem.read("\(directory)/err")) ?? "")
    }
}

/// The engine process's environment, which trials inherit (plus their own variables).
public enum ProcessEnvironment {
    public static func current() -> [(key: String, value: String)] {
        var variables: [(key: String, value: String)] = []
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                variables.append((String(text[..<equals]), String(text[text.index(after: equals)...])))
            }
            pointer += 1
        }
        return variables
    }

    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
