import SweepKit

/// A job's trials as one table, the columns of Optuna's `trials_dataframe`: number, status, value,
/// start, completion and duration (and, for trials on a cluster, the seconds queued and running), one `params_<name>` column per flat parameter and one
/// `metrics_<key>` column per metric, then attempts, exit, the interval where the policy stopped
/// it, message, MLflow run and log folder. `sweepkit job trials` prints it (CSV, JSON, text) and
/// `sk_job_trials` gives it to Python's `trials_dataframe`.
public struct TrialTable: Sendable {
    public enum Format: String, CaseIterable, Sendable {
        case csv, json, table
    }

    public let columns: [String]
    /// One row per trial, one value per column (null when a trial has none).
    public let rows: [[JSONValue]]

    public init(report: JobReport) {
        let parameters = ReportParameters.describe(space: report.spec?.sweep.searchSpace,
                                                   logBase: report.spec?.sweep.samplingAlgorithm.logBase, trials: report.trials)
        var metricNames: [String] = []
        for trial in report.trials {
            for key in trial.metrics.keys where !metricNames.contains(key) { metricNames.append(key) }
        }
        columns = ["number", "name", "status", "value", "datetime_start", "datetime_complete", "duration", "queue_seconds",
                   "run_seconds"]
            + parameters.map { "params_\($0.name)" } + metricNames.map { "metrics_\($0)" }
            + ["attempts", "exit", "stop_interval", "message", "run_id", "log_directory"]
        rows = report.trials.map { trial in
            var row: [JSONValue] = [
                .int(trial.number), .string(trial.name), .string(trial.state.rawValue),
                trial.value.flatMap { $0.isFinite ? .double($0) : nil } ?? .null,
                .string(ReportFormatting.isoTime(trial.startedAt)),
                trial.endedAt.map { .string(ReportFormatting.isoTime($0)) } ?? .null,
                trial.endedAt.map { .double(Double($0 - trial.startedAt) / 1000) } ?? .null,
                trial.queueSeconds.map(JSONValue.double) ?? .null, trial.runSeconds.map(JSONValue.double) ?? .null,
            ]
            row += parameters.map { trial.flatParams[$0.name] ?? .null }
            row += metricNames.map { name in
                guard let value = trial.metrics[name] else { return .null }
                if case .double(let d) = value, !d.isFinite { return .null }
                return value
            }
            row += [
                .int(trial.attempts), trial.exit.map(JSONValue.string) ?? .null,
                trial.stopDecision.map { .int($0.interval) } ?? .null, trial.message.map(JSONValue.string) ?? .null,
                trial.runID.isEmpty ? .null : .string(trial.runID),
                trial.logDirectory.isEmpty ? .null : .string(trial.logDirectory),
            ]
            return row
        }
    }

    public func render(_ format: Format) -> String {
        switch format {
        case .csv: return csv
        case .json: return json.jsonText + "\n"
        case .table: return text()
        }
    }

    /// A list of objects, every column in every object, in column order.
    public var json: JSONValue {
        .array(rows.map { row in .object(JSONObject(Array(zip(columns, row)).map { (key: $0.0, value: $0.1) })) })
    }

    /// RFC 4180: a header line, fields quoted when they hold a comma, a quote or a line break;
    /// empty for null; lists as JSON.
    public var csv: String {
        var out = columns.map(Self.csvField).joined(separator: ",") + "\r\n"
        for row in rows {
            out += row.map { Self.csvField(Self.plain($0)) }.joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// Aligned columns for a terminal: no start/completion times, message, run or folder; long
    /// cells cut to `maxWidth` characters.
    public func text(maxWidth: Int = 24) -> String {
        var hidden: Set<String> = ["name", "datetime_start", "datetime_complete", "message", "run_id", "log_directory"]
        // Queue and run times only matter on a cluster.
        if let queue = columns.firstIndex(of: "queue_seconds"), rows.allSatisfy({ $0[queue] == .null }) {
            hidden.formUnion(["queue_seconds", "run_seconds"])
        }
        let shown = columns.indices.filter { !hidden.contains(columns[$0]) }
        func cell(_ value: JSONValue, _ column: String) -> String {
            var text: String
            switch value {
            case .double(let d):
                text = ["duration", "queue_seconds", "run_seconds"].contains(column)
                    ? ReportFormatting.number(d, significant: 4) + "s" : ReportFormatting.number(d)
            case .null: text = "-"
            default: text = Self.plain(value)
            }
            if text.count > maxWidth { text = String(text.prefix(maxWidth - 1)) + "…" }
            return text
        }
        let headers = shown.map { columns[$0].hasPrefix("params_") ? String(columns[$0].dropFirst(7)) : columns[$0] }
        let cells = rows.map { row in shown.map { cell(row[$0], columns[$0]) } }
        var widths = headers.map(\.count)
        for line in cells {
            for (i, text) in line.enumerated() { widths[i] = max(widths[i], text.count) }
        }
        func line(_ texts: [String]) -> String {
            texts.enumerated().map { i, text in
                text + String(repeating: " ", count: widths[i] - text.count)
            }.joined(separator: "  ").replacingTrailingSpaces() + "\n"
        }
        return line(headers) + cells.map(line).joined()
    }

    /// A value as one field: strings as they are, anything else as JSON, null as nothing.
    static func plain(_ value: JSONValue) -> String {
        switch value {
        case .null: return ""
        case .string(let s): return s
        default: return value.jsonText
        }
    }

    static func csvField(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 })
        else { return text }
        return "\"" + text.replacingAll("\"", with: "\"\"") + "\""
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }

    func replacingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
