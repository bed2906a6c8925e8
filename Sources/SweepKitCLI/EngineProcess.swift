import Foundation
import SweepKit
import SweepKitJobs
import SweepKitRunner
import SweepKitPlatform

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
    }
}

/// `stream`: prints sweep.log as it grows, then an execution summary when the sweep ends.
struct JobStreamer {
    let workspace: Workspace
    let name: String

    /// Returns the job's final status.
    func follow() throws -> JobStatus {
        let paths = workspace.paths(name)
        var report = try workspace.report(name)
        let out = FileHandle.standardOutput
        out.write(Data("RunId: \(name)\nWeb View: file://\(paths.directory)\n\n".utf8))
        var offset: UInt64 = 0
        while true {
            if let handle = FileHandle(forReadingAtPath: paths.log) {
                handle.seek(toFileOffset: offset)
                let data = handle.readDataToEndOfFile()
                if let last = data.lastIndex(of: UInt8(ascii: "\n")) {
                    let complete = data[data.startIndex...last]
                    out.write(complete)
                    offset += UInt64(complete.count)
                }
                try? handle.close()
            }
            report = try workspace.report(name)
            if report.isFinished || report.status == .notResponding { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        var summary = "\nExecution Summary\n=================\nRunId: \(name)\nStatus: \(report.status.rawValue)\(report.reason.map { " (\($0))" } ?? "")\n"
        if let best = report.best {
            summary += "Best trial: \(best.name) \(report.spec?.sweep.primaryMetric ?? "")=\(best.value.map { String($0) } ?? "-") params \(JSONValue.object(best.params).jsonText)\n"
        }
        out.write(Data(summary.utf8))
        return report.status
    }
}
