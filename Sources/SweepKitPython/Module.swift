import CPython
import CSweepKit

/// `PyInit__core`: builds the method table and the module object once. The tables live for the
/// life of the process, as CPython requires.
@_cdecl("PyInit__core")
public func PyInit__core() -> UnsafeMutablePointer<PyObject>? {
    let functions: [(String, CoreFunctions.Fast, String)] = [
        ("abi_version", CoreFunctions.abiVersion, "The engine's C ABI version."),
        ("version", CoreFunctions.version, "The engine's version."),
        ("_set_exception_classes", CoreFunctions.setExceptionClasses, "Internal: (validation, misuse, unavailable, internal)."),
        ("normalize_spec", CoreFunctions.normalizeSpec, "Validate a sweep spec (JSON); return its canonical JSON."),
        ("spec_advice", CoreFunctions.specAdvice, "Advice (warnings) about a valid sweep spec: JSON list."),
        ("normalize_space", CoreFunctions.normalizeSpace, "Validate a search space (JSON); return it in form SPACE_WIRE or SPACE_YAML."),
        ("sweep_create", CoreFunctions.sweepCreate, "Create an in-process sweep from a spec (JSON)."),
        ("sweep_ask", CoreFunctions.sweepAsk, "(number, params_json) of the next trial, or None when the sweep is over."),
        ("sweep_tell", CoreFunctions.sweepTell, "Record a trial's end: (sweep, number, state, value, message)."),
        ("sweep_report", CoreFunctions.sweepReport, "Report a trial's metric value: (sweep, number, value) -> None or stop decision JSON."),
        ("sweep_decisions", CoreFunctions.sweepDecisions, "Every early-termination decision (JSON list)."),
        ("sweep_best", CoreFunctions.sweepBest, "The best completed trial (JSON) or None."),
        ("sweep_trials", CoreFunctions.sweepTrials, "All trials (JSON list)."),
        ("sweep_spec", CoreFunctions.sweepSpec, "The spec as run (JSON)."),
        ("sweep_finish_reason", CoreFunctions.sweepFinishReason, "Why the sweep ended, or None."),
        ("samplers", CoreFunctions.samplers, "Registered sampler names (JSON list)."),
        ("input_limits", CoreFunctions.inputLimits, "The input limits in force, with their defaults and variables (JSON)."),
        ("job_submit", CoreFunctions.jobSubmit, "Validate and record a sweep job: (workspace, job_json) -> report JSON."),
        ("job_show", CoreFunctions.jobShow, "A job's report: (workspace, name) -> JSON."),
        ("job_list", CoreFunctions.jobList, "Every job's report: (workspace) -> JSON list."),
        ("job_cancel", CoreFunctions.jobCancel, "Request a job's cancellation: (workspace, name) -> report JSON."),
        ("compute_create_or_update", CoreFunctions.computeCreateOrUpdate,
         "Register a compute target: (workspace, compute_json) -> compute JSON."),
        ("compute_show", CoreFunctions.computeShow, "A registered compute target: (workspace, name) -> JSON."),
        ("compute_list", CoreFunctions.computeList, "Every registered compute target: (workspace) -> JSON list."),
        ("compute_delete", CoreFunctions.computeDelete, "Unregister a compute target: (workspace, name) -> None."),
        ("plugin_load", CoreFunctions.pluginLoad, "Load a plugin library: (path) -> info JSON."),
        ("plugins", CoreFunctions.plugins, "Registered samplers and policies (JSON)."),
        ("register_sampler", PythonSamplers.register, "Register a Python sampler: (name, object_or_factory)."),
        ("sobol_points", CoreFunctions.sobolPoints, "Sobol points as bytes of doubles: (dimension, n, scrambled, seed)."),
        ("job_vocabulary", CoreFunctions.jobVocabulary, "The engine's job statuses and trial states (JSON)."),
        ("trial_state_from_name", CoreFunctions.trialStateFromName, "The sk_trial_state code of a state name: (name) -> int."),
        ("params_flatten", CoreFunctions.paramsFlatten, "Parameters with nested mappings flattened to dotted names: (params_json) -> JSON."),
        ("command_sweep_inputs", CoreFunctions.commandSweepInputs, "${{inputs.x}} -> ${{search_space.x}} for swept x: (command, names_json) -> str."),
        ("job_file_resolve", CoreFunctions.jobFileResolve, "A sweep YAML document with its paths resolved: (document_json, path) -> JSON."),
        ("job_file_read", CoreFunctions.jobFileRead, "A sweep YAML document as a job takes it: (document_json, path, overrides_json) -> JSON {document, warnings}."),
        ("command_upgrade", CoreFunctions.commandUpgrade, "Single-brace placeholders upgraded to ${{...}}: (command) -> JSON {command, warnings}."),
        ("job_stream", CoreFunctions.jobStream, "A job's progress from a log offset: (workspace, name, offset) -> JSON."),
        ("job_report", ReportFunctions.jobReport, "Write a job's HTML report: (workspace, name, path_or_None) -> JSON."),
        ("job_trials", ReportFunctions.jobTrials, "A job's trials as a table: (workspace, name, TABLE_JSON|TABLE_CSV|TABLE_TEXT) -> str."),
    ]
    let methods = UnsafeMutablePointer<PyMethodDef>.allocate(capacity: functions.count + 1)
    for (i, function) in functions.enumerated() {
        methods[i] = PyMethodDef(
            ml_name: UnsafePointer(strdup(function.0)),
            ml_meth: unsafeBitCast(function.1, to: PyCFunction.self),
            ml_flags: METH_FASTCALL,
            ml_doc: UnsafePointer(strdup(function.2)))
    }
    methods[functions.count] = PyMethodDef(ml_name: nil, ml_meth: nil, ml_flags: 0, ml_doc: nil)

    let definition = UnsafeMutablePointer<PyModuleDef>.allocate(capacity: 1)
    definition.initialize(to: PyModuleDef(
        m_base: skpy_moduledef_base(),
        m_name: UnsafePointer(strdup("sweepkit._core")),
        m_doc: UnsafePointer(strdup("SweepKit's Swift engine, through its C API (sweepkit.h).")),
        m_size: -1,
        m_methods: methods,
        m_slots: nil, m_traverse: nil, m_clear: nil, m_free: nil))
    guard sk_abi_version() == SK_ABI_VERSION else {
        PyErr_SetString(skpy_exc_runtime_error(), "sweepkit._core: engine ABI \(sk_abi_version()) does not match the header's \(SK_ABI_VERSION)")
        return nil
    }
    guard let module = skpy_module_create(definition) else { return nil }
    // The enumerations of sweepkit.h that Python passes back (so it never writes their numbers).
    let constants: [(String, Int)] = [
        ("SPACE_WIRE", Int(SK_SPACE_WIRE.rawValue)), ("SPACE_YAML", Int(SK_SPACE_YAML.rawValue)),
        ("TABLE_JSON", Int(SK_TABLE_JSON.rawValue)), ("TABLE_CSV", Int(SK_TABLE_CSV.rawValue)), ("TABLE_TEXT", Int(SK_TABLE_TEXT.rawValue)),
        ("ABI_VERSION", Int(SK_ABI_VERSION)), ("PLUGIN_ABI_VERSION", Int(SK_PLUGIN_ABI_VERSION)),
    ]
    for (name, value) in constants where PyModule_AddIntConstant(module, name, value) != 0 {
        skpy_decref(module)
        return nil
    }
    return module
}
