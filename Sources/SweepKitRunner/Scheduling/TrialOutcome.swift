import SweepKit
import SweepKitJobs
import SweepKitPlatform

/// How a trial attempt ended, decided from what it left: its exit, the metric points it logged,
/// and whether the engine was stopping it. The rules of the README's "How a trial runs".
struct TrialOutcome {
    let state: TrialState
    let value: Double?
    let message: String?

    /// Lines of a failed trial's stderr quoted in its message, and the most bytes read for them.
    static let stderrTailLines = 3
    static let stderrTailBytes = 4096

    static func decide(_ trial: RunningTrial, exit: ProcessExit, goal: Goal, primaryMetric: String, requiresValue: Bool,
                       loggedKeys: () -> [String]) -> TrialOutcome {
        let intervals = trial.intervals
        if let reason = trial.stopReason {
            // Stopped by the policy at interval N: its value is its best up to N, whatever it
            // logged while it was being stopped (so the result does not depend on timing).
            let seen = trial.stopInterval.map { Array(intervals.prefix($0)) } ?? intervals
            return TrialOutcome(state: .canceled, value: best(seen, goal), message: reason)
        }
        if !exit.succeeded {
            return TrialOutcome(state: .failed, value: nil, message: "the command \(exit.description)" + stderrTail(trial.folders.logDirectory))
        }
        if !requiresValue { return TrialOutcome(state: .completed, value: best(intervals, goal), message: nil) }
        if let value = best(intervals, goal) { return TrialOutcome(state: .completed, value: value, message: nil) }
        let logged = loggedKeys()
        let message = trial.history.isEmpty
            ? "the command exited 0 but never logged the primary metric '\(primaryMetric)'; "
                + (logged.isEmpty ? "it logged no metrics" : "it logged: \(logged.joined(separator: ", "))")
            : "the primary metric '\(primaryMetric)' was never finite (NaN or infinite)"
        return TrialOutcome(state: .failed, value: nil, message: message)
    }

    static func best(_ values: [Double], _ goal: Goal) -> Double? {
        guard var best = values.first else { return nil }
        for value in values.dropFirst() where goal.isBetter(value, than: best) { best = value }
        return best
    }

    static func stderrTail(_ logDirectory: String) -> String {
        guard let text = FileSystem.tail("\(logDirectory)/stderr.txt", maxBytes: stderrTailBytes) else { return "" }
        let lines = text.split(separator: "\n").suffix(stderrTailLines).map { $0.prefix(1000) }
        return lines.isEmpty ? "" : "; stderr ends with: " + lines.joined(separator: " | ")
    }

    /// The metrics a trial's end records: the last value of the primary metric and how many points.
    static func metrics(_ trial: RunningTrial, primaryMetric: String) -> JSONObject {
        var metrics: JSONObject = [:]
        if let last = trial.history.last { metrics[primaryMetric] = last.value.isFinite ? .double(last.value) : .null }
        metrics["\(primaryMetric).points"] = .int(trial.history.count)
        return metrics
    }
}
