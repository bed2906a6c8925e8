import Foundation
import SweepKit
import SweepKitJobs
import SweepKitRunner
import SweepKitPlatform
import SweepKitCAPI

/// Starts a job's engine (`sweepkit job run NAME`) as a detached background process: its own
/// session, output in the job's engine.log, so it outlives the shell command that submitted it.
enum EngineProcess {
    static func startDetached(workspace: Workspace, name: String, failInterrupted: Bool = false) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["job", "run", name, "--workspace", workspace.root] + (failInterrupted ? ["--fail-interrupted"] : [])
        let log = workspace.paths(name).engineLog
        // Appended to, so a resumed job keeps the log of its earlier engine runs.
        if !FileManager.default.fileExists(atPath: log) {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        setpgid(process.processIdentifier, process.processIdentifier)  // out of the terminal's job control
        // Wait until the engine holds its lock, so `show` right after `create` says Running.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, process.isRunning, EngineLock.holder(workspace.paths(name).lock) == nil {
            Thread.sleep(forTimeInterval: 0.01)
        }
        // An engine that exited without taking the job (it could not even run) is an error here:
        // otherwise the job would stay NotStarted with nobody to run it.
        if !process.isRunning, try workspace.report(name).status == .notStarted {
            let tail = (try? String(contentsOfFile: log, encoding: .utf8)).map { String($0.suffix(600)) } ?? ""
            throw SweepKitError.internalFailure("the engine of job \(name) exited at once (status \(process.terminationStatus)): \(tail)")
        }
    }

    /// Waits until the job's engine has prepared MLflow (experiment and parent run) or ended, so
    /// that a sweep that cannot start (an unreachable tracking server, no MLflow for the trials)
    /// fails `job create` instead of being found Failed later.
    static func waitUntilPrepared(workspace: Workspace, name: String, timeout: TimeInterval = 600) throws -> JobReport {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let report = try workspace.report(name)
            if report.state.experimentID != nil || report.isFinished || report.status == .notResponding || Date() >= deadline {
                return report
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}

/// `stream`: prints sweep.log as it grows, then an execution summary when the sweep ends (the
/// text of `JobProgress`, which `jobs.stream` in Python prints too); on a terminal, with a
/// progress line redrawn under it (`StreamDisplay`).
struct JobStreamer {
    let workspace: Workspace
    let name: String
    var plain = false

    /// Returns the job's final status.
    func follow() throws -> JobStatus {
        var display = StreamDisplay(plain: plain)
        var offset: Int64 = 0
        var first = true
        while true {
            let step = try JobProgress.read(workspace: workspace, name: name, offset: offset)
            if first { FileHandle.standardOutput.write(Data(step.header.utf8)) }
            display.show(step)
            first = false
            offset = step.offset
            if step.over { return step.status }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
}
