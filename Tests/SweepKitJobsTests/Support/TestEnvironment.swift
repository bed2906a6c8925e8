import SweepKit
import SweepKitPlatform
import XCTest

/// Where the tests find what lives outside Swift: the repository, the built `sweepkit` command,
/// and a Python with MLflow (`SWEEPKIT_PYTHON`, else the repository's `.venv` from scripts/setup).
enum TestEnvironment {
    static let repository: String = {
        var path = #filePath
        for _ in 0..<4 { path = FileSystem.directoryName(path) }  // Tests/SweepKitJobsTests/Support/<file>
        return path
    }()

    static var sweepkitBinary: String {
        for configuration in ["debug", "release"] {
            let path = "\(repository)/.build/\(configuration)/sweepkit"
            if FileSystem.exists(path) { return path }
        }
        return "\(repository)/.build/debug/sweepkit"
    }

    /// A Python with MLflow; skips the test when none is configured (CI sets SWEEPKIT_PYTHON).
    static func pythonWithMLflow() throws -> String {
        if let python = ProcessEnvironment.value("SWEEPKIT_PYTHON") { return python }
        let venv = "\(repository)/.venv/bin/python"
        guard FileSystem.exists(venv) else {
            throw XCTSkip("no Python with MLflow: set SWEEPKIT_PYTHON or run scripts/setup")
        }
        return venv
    }

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs a command to completion in `directory`.
    static func run(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> Output {
        let out = "\(directory)/.out-\(UInt32.random(in: 0...UInt32.max))"
        var variables = ProcessEnvironment.current().filter { environment[$0.key] == nil }
        variables += environment.map { (key: $0.key, value: $0.value) }
        let pid = try ChildProcess.spawn(ChildProcess.Request(
            arguments: arguments, environment: variables, workingDirectory: directory, stdoutPath: "\(out).1", stderrPath: "\(out).2"))
        let exit = ChildProcess.wait(pid)
        defer { FileSystem.removeTree("\(out).1"); FileSystem.removeTree("\(out).2") }
        let status: Int32
        switch exit {
        case .exited(let code)?: status = code
        case .signaled(let signal)?: status = 128 + signal
        case nil: status = -1
        }
        return Output(status: status, stdout: (try? FileSystem.read("\(out).1")) ?? "", stderr: (try? FileSystem.read("\(out).2")) ?? "")
    }
}
