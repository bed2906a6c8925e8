import SweepKit
import SweepKitJobs
import CSweepKit

// A job's report page and trial table (the report part of sweepkit.h's job section).

@_cdecl("sk_job_report")
public func skJobReport(_ root: UnsafePointer<CChar>?, _ name: UnsafePointer<CChar>?, _ path: UnsafePointer<CChar>?,
                        _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let workspace = Workspace(root: root.map { String(cString: $0) })
        let job = try requireString(name, "name")
        let report = try workspace.report(job)
        let target = FileSystem.absolute(path.map { String(cString: $0) } ?? SweepReportPage.defaultPath(workspace.paths(job)))
        let bytes = try SweepReportPage.write(report, to: target)
        let summary: JSONValue = ["path": .string(target), "bytes": .int(bytes), "trials": .int(report.trials.count)]
        try output(summary.jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_job_trials")
public func skJobTrials(_ root: UnsafePointer<CChar>?, _ name: UnsafePointer<CChar>?, _ format: sk_table_format,
                        _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let written: TrialTable.Format
        switch format {
        case SK_TABLE_JSON: written = .json
        case SK_TABLE_CSV: written = .csv
        case SK_TABLE_TEXT: written = .table
        default: throw .misuse("format must be SK_TABLE_JSON, SK_TABLE_CSV or SK_TABLE_TEXT, got \(format.rawValue)")
        }
        let workspace = Workspace(root: root.map { String(cString: $0) })
        let table = TrialTable(report: try workspace.report(requireString(name, "name")))
        try output(table.render(written), to: out)
        return SK_OK
    }
}
