import CPython
import CSweepKit

/// The functions of `sweepkit._core`. Each converts its arguments, calls the C API with the GIL
/// released, and converts the result; none contains engine logic.
enum CoreFunctions {
    typealias Fast = @convention(c) (PyPointer?, FastArgs, Py_ssize_t) -> PyPointer?

    static let abiVersion: Fast = { _, _, _ in PyLong_FromLong(Int(sk_abi_version())) }

    static let version: Fast = { _, _, _ in PyUnicode_FromString(sk_version()) }

    static let setExceptionClasses: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 4, "_set_exception_classes"), let args else { return nil }
        let statuses = [SK_INVALID, SK_MISUSE, SK_UNAVAILABLE, SK_INTERNAL]
        for (i, status) in statuses.enumerated() {
            guard let cls = args[i] else { return nil }
            skpy_incref(cls)
            exceptionClasses[status.rawValue] = cls
        }
        return skpy_none()
    }

    /// A call that maps one JSON string to another through an `sk_*_normalize` function.
    private static func normalize(_ args: FastArgs, _ call: (UnsafePointer<CChar>, CStringOut) -> sk_status) -> PyPointer? {
        guard let args, let text = utf8Argument(args[0], "json") else { return nil }
        var out: UnsafeMutablePointer<CChar>?
        let status = withoutGIL { call(text, &out) }
        guard status == SK_OK else { return raiseLastError(status) }
        return takeString(out)
    }

    static let normalizeSpec: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 1, "normalize_spec") else { return nil }
        return normalize(args) { sk_spec_normalize($0, $1) }
    }

    static let specAdvice: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 1, "spec_advice") else { return nil }
        return normalize(args) { sk_spec_advice($0, $1) }
    }

    static let normalizeSpace: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 2, "normalize_space"), let args else { return nil }
        let form = PyLong_AsLong(args[1])
        if form == -1, PyErr_Occurred() != nil { return nil }
        // Out-of-range values reach the engine as a value no form has, and are SK_MISUSE there.
        let code = sk_space_form(rawValue: UInt32(exactly: form) ?? UInt32.max)
        return normalize(args) { sk_space_normalize($0, code, $1) }
    }

    static let sweepCreate: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 1, "sweep_create"), let args, let text = utf8Argument(args[0], "spec") else { return nil }
        var sweep: OpaquePointer?
        let status = withoutGIL { sk_sweep_create(text, &sweep) }
        guard status == SK_OK, let sweep else { return raiseLastError(status) }
        return SweepHandleCapsule.wrap(sweep)
    }

    /// Returns `(number, params_json)` or None when the sweep is over.
    static let sweepAsk: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 1, "sweep_ask"), let args, let sweep = SweepHandleCapsule.unwrap(args[0]) else { return nil }
        var number: Int64 = 0
        var params: UnsafeMutablePointer<CChar>?
        let status = withoutGIL { sk_sweep_ask(sweep, &number, &params) }
        if status == SK_DONE { return skpy_none() }
        guard status == SK_OK else { return raiseLastError(status) }
        guard let tuple = PyTuple_New(2) else { sk_free(params); return nil }
        PyTuple_SetItem(tuple, 0, PyLong_FromLongLong(number))
        PyTuple_SetItem(tuple, 1, takeString(params))
        return tuple
    }

    /// `sweep_tell(handle, number, state, value, message_or_None)`.
    static let sweepTell: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 5, "sweep_tell"), let args, let sweep = SweepHandleCapsule.unwrap(args[0]),
            let number = int64Argument(args[1], "trial")
        else { return nil }
        let state = PyLong_AsLong(args[2])
        if state == -1, PyErr_Occurred() != nil { return nil }
        let value = PyFloat_AsDouble(args[3])
        if value == -1, PyErr_Occurred() != nil { return nil }
        var message: UnsafePointer<CChar>? = nil
        if let object = args[4], skpy_is_none(object) == 0 {
            guard let text = utf8Argument(object, "message") else { return nil }
            message = text
        }
        let status = withoutGIL { sk_sweep_tell(sweep, number, sk_trial_state(UInt32(truncatingIfNeeded: state)), value, message) }
        guard status == SK_OK else { return raiseLastError(status) }
        return skpy_none()
    }

    /// A call that returns one JSON string about a sweep, or None on SK_DONE.
    private static func sweepString(_ args: FastArgs, _ nargs: Py_ssize_t, _ name: String, _ call: (OpaquePointer, CStringOut) -> sk_status) -> PyPointer? {
        guard checkArgumentCount(nargs, 1, name), let args, let sweep = SweepHandleCapsule.unwrap(args[0]) else { return nil }
        var out: UnsafeMutablePointer<CChar>?
        let status = withoutGIL { call(sweep, &out) }
        if status == SK_DONE { return skpy_none() }
        guard status == SK_OK else { return raiseLastError(status) }
        return takeString(out)
    }

    /// `sweep_report(handle, number, value)` → None, or the decision JSON when the trial should stop.
    static let sweepReport: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 3, "sweep_report"), let args, let sweep = SweepHandleCapsule.unwrap(args[0]),
            let number = int64Argument(args[1], "trial")
        else { return nil }
        let value = PyFloat_AsDouble(args[2])
        if value == -1, PyErr_Occurred() != nil { return nil }
        var stop: Int32 = 0
        var decision: UnsafeMutablePointer<CChar>?
        let status = withoutGIL { sk_sweep_report(sweep, number, value, &stop, &decision) }
        guard status == SK_OK else { return raiseLastError(status) }
        return stop == 0 ? skpy_none() : takeString(decision)
    }

    static let sweepDecisions: Fast = { _, args, nargs in sweepString(args, nargs, "sweep_decisions") { sk_sweep_decisions($0, $1) } }

    static let sweepBest: Fast = { _, args, nargs in sweepString(args, nargs, "sweep_best") { sk_sweep_best($0, $1) } }
    static let sweepTrials: Fast = { _, args, nargs in sweepString(args, nargs, "sweep_trials") { sk_sweep_trials($0, $1) } }
    static let sweepSpec: Fast = { _, args, nargs in sweepString(args, nargs, "sweep_spec") { sk_sweep_spec($0, $1) } }
    static let sweepFinishReason: Fast = { _, args, nargs in
        sweepString(args, nargs, "sweep_finish_reason") { sk_sweep_finish_reason($0, $1) }
    }

    static let inputLimits: Fast = { _, _, nargs in
        guard checkArgumentCount(nargs, 0, "input_limits") else { return nil }
        var out: UnsafeMutablePointer<CChar>?
        let status = sk_input_limits(&out)
        guard status == SK_OK else { return raiseLastError(status) }
        return takeString(out)
    }

    static let samplers: Fast = { _, _, _ in
        var out: UnsafeMutablePointer<CChar>?
        let status = sk_samplers(&out)
        guard status == SK_OK else { return raiseLastError(status) }
        return takeString(out)
    }

    /// The workspace argument: a str, or None for the default.
    private static func workspaceArgument(_ object: PyPointer?) -> (ok: Bool, text: UnsafePointer<CChar>?) {
        guard let object, skpy_is_none(object) == 0 else { return (true, nil) }
        guard let text = utf8Argument(object, "workspace") else { return (false, nil) }
        return (true, text)
    }

    /// A jobs call `(workspace, text) -> JSON str`.
    private static func jobCall(_ args: FastArgs, _ nargs: Py_ssize_t, _ name: String,
                                _ call: (UnsafePointer<CChar>?, UnsafePointer<CChar>, CStringOut) -> sk_status) -> PyPointer? {
        guard checkArgumentCount(nargs, 2, name), let args else { return nil }
        let workspace = workspaceArgument(args[0])
        guard workspace.ok, let text = utf8Argument(args[1], "argument") else { return nil }
        var out: UnsafeMutablePointer<CChar>?
        let status = withoutGIL { call(workspace.text, text, &out) }
        guard status == SK_OK else { return raiseLastError(status) }
        return takeString(out)
    }

    static let jobSubmit: Fast = { _, args, nargs in jobCall(args, nargs, "job_submit") { sk_job_submit($0, $1, $2) } }
    static let jobShow: Fast = { _, args, nargs in jobCall(args, nargs, "job_show") { sk_job_show($0, $1, $2) } }
    static let jobCancel: Fast = { _, args, nargs in jobCall(args, nargs, "job_cancel") { sk_job_cancel($0, $1, $2) } }
    static let jobList: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 1, "job_list"), let args else { return nil }
        let workspace = workspaceArgument(args[0])
        guard workspace.ok else { return nil }
        var out: UnsafeMutablePointer<CChar>?
        let status = withoutGIL { sk_job_list(workspace.text, &out) }
        guard status == SK_OK else { return raiseLastError(status) }
        return takeString(out)
    }

    static let computeCreateOrUpdate: Fast = { _, args, nargs in
        jobCall(args, nargs, "compute_create_or_update") { sk_compute_create_or_update($0, $1, $2) }
    }
    static let computeShow: Fast = { _, args, nargs in jobCall(args, nargs, "compute_show") { sk_compute_show($0, $1, $2) } }
    static let computeList: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 1, "compute_list"), let args else { return nil }
        let workspace = workspaceArgument(args[0])
        guard workspace.ok else { return nil }
        var out: UnsafeMutablePointer<CChar>?
        let status = withoutGIL { sk_compute_list(workspace.text, &out) }
        guard status == SK_OK else { return raiseLastError(status) }
        return takeString(out)
    }
    static let computeDelete: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 2, "compute_delete"), let args else { return nil }
        let workspace = workspaceArgument(args[0])
        guard workspace.ok, let name = utf8Argument(args[1], "name") else { return nil }
        let status = withoutGIL { sk_compute_delete(workspace.text, name) }
        guard status == SK_OK else { return raiseLastError(status) }
        return skpy_none()
    }

    static let pluginLoad: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 1, "plugin_load"), let args, let path = utf8Argument(args[0], "path") else { return nil }
        var out: UnsafeMutablePointer<CChar>?
        let status = withoutGIL { sk_plugin_load(path, &out) }
        guard status == SK_OK else { return raiseLastError(status) }
        return takeString(out)
    }

    static let plugins: Fast = { _, _, _ in
        var out: UnsafeMutablePointer<CChar>?
        let status = withoutGIL { sk_plugins(&out) }
        guard status == SK_OK else { return raiseLastError(status) }
        return takeString(out)
    }

    /// `job_vocabulary()` → the engine's status and state names (JSON).
    static let jobVocabulary: Fast = { _, _, nargs in
        guard checkArgumentCount(nargs, 0, "job_vocabulary") else { return nil }
        var out: UnsafeMutablePointer<CChar>?
        let status = sk_job_vocabulary(&out)
        guard status == SK_OK else { return raiseLastError(status) }
        return takeString(out)
    }

    /// `trial_state_from_name(name)` → the sk_trial_state code of a state a user wrote.
    static let trialStateFromName: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 1, "trial_state_from_name"), let args, let name = utf8Argument(args[0], "name") else { return nil }
        var state = SK_TRIAL_RUNNING
        let status = sk_trial_state_from_name(name, &state)
        guard status == SK_OK else { return raiseLastError(status) }
        return PyLong_FromLong(Int(state.rawValue))
    }

    static let paramsFlatten: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 1, "params_flatten") else { return nil }
        return normalize(args) { sk_params_flatten($0, $1) }
    }

    /// A call `(text, text) -> JSON str` with the GIL released.
    private static func pairCall(_ args: FastArgs, _ nargs: Py_ssize_t, _ name: String,
                                 _ call: (UnsafePointer<CChar>, UnsafePointer<CChar>, CStringOut) -> sk_status) -> PyPointer? {
        guard checkArgumentCount(nargs, 2, name), let args, let first = utf8Argument(args[0], "argument 1"),
            let second = utf8Argument(args[1], "argument 2")
        else { return nil }
        var out: UnsafeMutablePointer<CChar>?
        let status = withoutGIL { call(first, second, &out) }
        guard status == SK_OK else { return raiseLastError(status) }
        return takeString(out)
    }

    static let commandSweepInputs: Fast = { _, args, nargs in
        pairCall(args, nargs, "command_sweep_inputs") { sk_command_sweep_inputs($0, $1, $2) }
    }

    static let jobFileResolve: Fast = { _, args, nargs in
        pairCall(args, nargs, "job_file_resolve") { sk_job_file_resolve($0, $1, $2) }
    }

    /// `job_file_read(document_json, path, overrides_json)` → {"document": ..., "warnings": [...]}.
    static let jobFileRead: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 3, "job_file_read"), let args, let document = utf8Argument(args[0], "document_json"),
            let path = utf8Argument(args[1], "path"), let overrides = utf8Argument(args[2], "overrides_json")
        else { return nil }
        var out: UnsafeMutablePointer<CChar>?
        let status = withoutGIL { sk_job_file_read(document, path, overrides, &out) }
        guard status == SK_OK else { return raiseLastError(status) }
        return takeString(out)
    }

    /// `command_upgrade(command)` → {"command": ..., "warnings": [...]}.
    static let commandUpgrade: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 1, "command_upgrade"), let args, let command = utf8Argument(args[0], "command") else { return nil }
        var out: UnsafeMutablePointer<CChar>?
        let status = withoutGIL { sk_command_upgrade(command, &out) }
        guard status == SK_OK else { return raiseLastError(status) }
        return takeString(out)
    }

    /// `job_stream(workspace, name, offset)` → the job's progress from `offset` (JSON).
    static let jobStream: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 3, "job_stream"), let args else { return nil }
        let workspace = workspaceArgument(args[0])
        guard workspace.ok, let name = utf8Argument(args[1], "name"), let offset = int64Argument(args[2], "offset") else { return nil }
        var out: UnsafeMutablePointer<CChar>?
        let status = withoutGIL { sk_job_stream(workspace.text, name, offset, &out) }
        guard status == SK_OK else { return raiseLastError(status) }
        return takeString(out)
    }

    /// `sobol_points(dimension, n, scrambled, seed)` → bytes of n*dimension doubles (row-major).
    static let sobolPoints: Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 4, "sobol_points"), let args else { return nil }
        let dimension = PyLong_AsLong(args[0]), n = PyLong_AsLong(args[1])
        let scrambled = PyObject_IsTrue(args[2]), seed = PyLong_AsLongLong(args[3])
        if PyErr_Occurred() != nil { return nil }
        if scrambled < 0 { return nil }
        // Bounded without multiplying first (the product of two large values would overflow).
        let limit = Int(SK_SOBOL_MAX_VALUES)
        guard dimension >= 0, n >= 0, dimension <= limit, n <= limit, dimension == 0 || n <= limit / dimension else {
            return raise(SK_INVALID, "sobol_points: dimension and n must be non-negative and dimension * n at most \(limit)")
        }
        var values = [Double](repeating: 0, count: dimension * n)
        let mode = scrambled == 1 ? SK_SOBOL_SCRAMBLED : SK_SOBOL_PLAIN
        let status = values.withUnsafeMutableBufferPointer { buffer in
            withoutGIL { sk_sobol_points(UInt32(dimension), UInt32(n), mode, seed, buffer.baseAddress) }
        }
        guard status == SK_OK else { return raiseLastError(status) }
        return values.withUnsafeBytes { bytes in
            bytes.withMemoryRebound(to: CChar.self) { PyBytes_FromStringAndSize($0.baseAddress, $0.count) }
        }
    }
}
