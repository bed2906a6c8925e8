import CPython
import CSweepKit

/// `sweepkit._core`'s report functions: a job's HTML report and its trial table (sk_job_report,
/// sk_job_trials). Argument conversion only, as in `CoreFunctions`.
enum ReportFunctions {
    /// A str-or-None argument (None: the C API's NULL).
    private static func optionalText(_ object: PyPointer?, _ name: String) -> (ok: Bool, text: UnsafePointer<CChar>?) {
        guard let object, skpy_is_none(object) == 0 else { return (true, nil) }
        guard let text = utf8Argument(object, name) else { return (false, nil) }
        return (true, text)
    }

    /// `job_report(workspace, name, path_or_None)` → {"path", "bytes", "trials"} (JSON).
    static let jobReport: CoreFunctions.Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 3, "job_report"), let args else { return nil }
        let workspace = optionalText(args[0], "workspace"), path = optionalText(args[2], "path")
        guard workspace.ok, path.ok, let name = utf8Argument(args[1], "name") else { return nil }
        var out: UnsafeMutablePointer<CChar>?
        let status = withoutGIL { sk_job_report(workspace.text, name, path.text, &out) }
        guard status == SK_OK else { return raiseLastError(status) }
        return takeString(out)
    }

    /// `job_trials(workspace, name, format)` → the table as text (format: TABLE_JSON, TABLE_CSV, TABLE_TEXT).
    static let jobTrials: CoreFunctions.Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 3, "job_trials"), let args else { return nil }
        let workspace = optionalText(args[0], "workspace")
        guard workspace.ok, let name = utf8Argument(args[1], "name") else { return nil }
        let format = PyLong_AsLong(args[2])
        if format == -1, PyErr_Occurred() != nil { return nil }
        // Out-of-range values reach the engine as a value no format has, and are SK_MISUSE there.
        let code = sk_table_format(rawValue: UInt32(exactly: format) ?? UInt32.max)
        var out: UnsafeMutablePointer<CChar>?
        let status = withoutGIL { sk_job_trials(workspace.text, name, code, &out) }
        guard status == SK_OK else { return raiseLastError(status) }
        return takeString(out)
    }
}
