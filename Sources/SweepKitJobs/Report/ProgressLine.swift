import SweepKit

/// Where a sweep stands, in one line: trials done of the total, running, best so far, elapsed and
/// an estimate of the time left. `sweepkit job stream` redraws it in place on a terminal, and
/// `jobs.stream` in Python (through `sk_job_stream`'s "progress") on a terminal or in a notebook.
public struct ProgressLine: Sendable, Equatable {
    /// Trials that ended (completed, failed or canceled).
    public let done: Int
    /// How many trials the sweep will run at most (`max_total_trials`, or the grid's size if smaller).
    public let total: Int?
    public let running: Int
    /// Of the running trials, those waiting in a cluster's queue (launched, not started yet).
    public let queued: Int
    public let failed: Int
    public let best: Double?
    public let bestTrial: String?
    /// Seconds since the first engine started the job (to its end, once it ended).
    public let elapsed: Double
    /// Seconds left: the pace so far (trials ended per second) applied to the trials left, bounded
    /// by the sweep's `timeout`. Nil before the first trial ends, and once the sweep is over.
    public let remaining: Double?
    public let over: Bool

    public init(report: JobReport, now: Int64 = Clock.epochMilliseconds()) {
        let trials = report.trials
        running = trials.filter { $0.state == .running }.count
        queued = trials.filter { $0.state == .running && $0.process.map { !$0.isLocal } == true && $0.runningAt == nil }.count
        done = trials.count - running
        failed = trials.filter { $0.state == .failed }.count
        best = report.best?.value
        bestTrial = report.best?.name
        over = report.status.isFinished || report.status == .notResponding
        let sweep = report.spec?.sweep
        var limit = sweep?.limits.maxTotalTrials
        if let sweep, sweep.samplingAlgorithm.samplerName == GridSampler.name,
            let grid = try? GridSampler(space: sweep.searchSpace).combinationCount
        {
            limit = min(limit ?? grid, grid)
        }
        total = report.status.isFinished ? trials.count : limit.map { max($0, trials.count) }
        let start = report.state.started ?? now
        let end = report.state.ended ?? now
        elapsed = Double(max(0, end - start)) / 1000
        if over || report.status == .notStarted {
            remaining = nil
        } else {
            var estimate: Double?
            if done > 0, let total { estimate = elapsed * Double(max(0, total - done)) / Double(done) }
            if let timeout = sweep?.limits.timeout {
                estimate = min(estimate ?? .infinity, max(0, timeout - elapsed))
            }
            remaining = estimate.flatMap { $0.isFinite ? $0 : nil }
        }
    }

    /// `[=======>            ] 37/100 trials, 2 running, 1 failed, best 0.973124 (sweep_12), 1m23s elapsed, ~2m10s left`
    public var line: String {
        var parts = ["\(bar) \(counted) trials"]
        parts.append("\(running - queued) running")
        if queued > 0 { parts.append("\(queued) queued") }
        if failed > 0 { parts.append("\(failed) failed") }
        if let best { parts.append("best \(ReportFormatting.number(best))" + (bestTrial.map { " (\($0))" } ?? "")) }
        parts.append("\(ReportFormatting.duration(elapsed)) elapsed")
        parts.append(left)
        return parts.joined(separator: ", ")
    }

    /// `37/100, 2 running, best 0.973124, 1m23s, ~2m10s left`
    public var compact: String {
        var parts = [counted, "\(running - queued) running"]
        if queued > 0 { parts.append("\(queued) queued") }
        if let best { parts.append("best \(ReportFormatting.number(best))") }
        parts += [ReportFormatting.duration(elapsed), left]
        return parts.joined(separator: ", ")
    }

    /// The longest form that fits in `width` columns (less one, so the cursor never wraps).
    public func fitting(width: Int) -> String {
        if width <= 0 || line.count < width { return line }
        if compact.count < width { return compact }
        return String(compact.prefix(max(0, width - 1)))
    }

    private var counted: String { "\(done)/\(total.map(String.init) ?? "?")" }

    private var left: String {
        if over { return "done" }
        return remaining.map { "~\(ReportFormatting.duration($0)) left" } ?? "time left unknown"
    }

    private var bar: String {
        let width = 20
        guard let total, total > 0 else { return "[" + String(repeating: " ", count: width) + "]" }
        let filled = min(width, done * width / total)
        let head = filled < width && done > 0 ? ">" : ""
        return "[" + String(repeating: "=", count: filled) + head
            + String(repeating: " ", count: width - filled - head.count) + "]"
    }

    public var json: JSONValue {
        var object: JSONObject = [
            "done": .int(done), "running": .int(running - queued), "queued": .int(queued), "failed": .int(failed), "elapsed_seconds": .double(elapsed),
            "over": .bool(over), "line": .string(line), "compact": .string(compact),
        ]
        object["total"] = total.map(JSONValue.int) ?? .null
        object["best"] = best.flatMap { $0.isFinite ? JSONValue.double($0) : nil } ?? .null
        object["best_trial"] = bestTrial.map(JSONValue.string) ?? .null
        object["remaining_seconds"] = remaining.map(JSONValue.double) ?? .null
        return .object(object)
    }
}
