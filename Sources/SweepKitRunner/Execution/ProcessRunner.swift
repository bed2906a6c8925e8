import SweepKit
import SweepKitPlatform

/// Runs a short helper command to completion and captures its output (the MLflow checks, not
/// trials).
enum ProcessRunner {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String], environment: [(key: String, value: String)]? = nil) throws(SweepKitError) -> Result {
        let directory = try FileSystem.makeTemporaryDirectory(prefix: "sweepkit-run")
        defer { FileSystem.removeTree(directory) }
        let request = ChildProcess.Request(
            arguments: arguments, environment: environment ?? ProcessEnvironment.current(), workingDirectory: directory,
            stdoutPath: "\(directory)/out", stderrPath: "\(directory)/err")
        let pid: Int32
        do { pid = try ChildProcess.spawn(request) } catch { throw .internalFailure("\(error)") }
        let exit = ChildProcess.wait(pid) ?? .exited(code: -1)
        let code: Int32
        switch exit {
        case .exited(let value): code = value
        case .signaled(let signal): code = 128 + signal
        }
        return Result(status: code, stdout: (try? FileSystem.read("\(directory)/out")) ?? "",
                      stderr: (try? FileSystem.read("\(directory)/err")) ?? "")
    }
}
