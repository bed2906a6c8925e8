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
    }
}

/// `stream`: prints sweep.log as it grows, then an execution summary when the sweep ends (the
/// text of `JobProgress`, which `jobs.stream` in Python prints too).
struct JobStreamer {
    let workspace: Workspace
    let name: String

    /// Returns the job's final status.
    func follow() throws -> JobStatus {
        let out = FileHandle.standardOutput
        var offset: Int64 = 0
        var first = true
        while true {
            let step = try JobProgress.read(workspace: workspace, name: name, offset: offset)
            if first { out.write(Data(step.header.utf8)) }
            out.write(Data(step.text.utf8))
            first = false
            offset = step.offset
            if step.over { return step.status }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
}
