#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit
import SweepKitJobs
import CSweepKit

/// What a viewer of a job shows, one step at a time: the new complete lines of its sweep.log and,
/// once the job is over, the execution summary. `sweepkit job stream` and `sk_job_stream` (the
/// Python `jobs.stream`) print this, so both show the same text.
public struct JobProgress: Sendable {
    /// What to print first: the job's name and folder.
    public let header: String
    /// The complete lines after the requested offset, then the summary if the job is over.
    public let text: String
    /// Where the next read starts.
    public let offset: Int64
    /// Whether the job is finished or its engine is gone (NotResponding): nothing more will come
    /// until it is resumed.
    public let over: Bool
    public let status: JobStatus
    /// Where the sweep stands, in one line (`job stream` redraws it in place on a terminal).
    public let progress: ProgressLine

    /// Reads the job's progress from byte `offset` of its sweep.log.
    public static func read(workspace: Workspace, name: String, offset: Int64) throws(SweepKitError) -> JobProgress {
        guard offset >= 0 else { throw .misuse("offset must not be negative, got \(offset)") }
        // The status first: if it says the job is over, every line the engine wrote is in the log read next.
        let report = try workspace.report(name)
        let paths = workspace.paths(name)
        let bytes = readFrom(paths.log, offset: offset)
        let complete = bytes.lastIndex(of: UInt8(ascii: "\n")).map { bytes[...$0] } ?? []
        let over = report.status.isStopped
        var text = String(decoding: complete, as: UTF8.self)
        if over { text += summary(report, name: name) }
        return JobProgress(header: "RunId: \(name)\nWeb View: file://\(paths.directory)\n\n", text: text,
                         offset: offset + Int64(complete.count), over: over, status: report.status,
                         progress: ProgressLine(report: report))
    }

    public var json: JSONValue {
        ["header": .string(header), "text": .string(text), "offset": .int(Int(offset)), "over": .bool(over),
         "status": .string(status.rawValue), "progress": progress.json]
    }

    static func summary(_ report: JobReport, name: String) -> String {
        var summary = "\nExecution Summary\n=================\nRunId: \(name)\nStatus: \(report.status.rawValue)"
            + (report.reason.map { " (\($0))" } ?? "") + "\n"
        if let best = report.best {
            summary += "Best trial: \(best.name) \(report.spec?.sweep.primaryMetric ?? "")=\(best.value.map { String($0) } ?? "-")"
                + " params \(JSONValue.object(best.params).jsonText)\n"
        }
        return summary
    }

    /// The bytes of `path` from `offset` on; none when it does not exist (yet).
    private static func readFrom(_ path: String, offset: Int64) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var position = off_t(offset)
        while true {
            let count = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, position) }
            if count <= 0 { break }
            bytes += chunk[..<count]
            position += off_t(count)
        }
        return bytes
    }
}

@_cdecl("sk_job_stream")
public func skJobStream(_ root: UnsafePointer<CChar>?, _ name: UnsafePointer<CChar>?, _ offset: Int64, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let workspace = Workspace(root: root.map { String(cString: $0) })
        try output(JobProgress.read(workspace: workspace, name: requireString(name, "name"), offset: offset).json.jsonText, to: out)
        return SK_OK
    }
}
