import CPython
import CSweepKit

/// Samplers written in Python (`sweepkit.register_sampler(name, obj)`), registered with the engine
/// through the same C vtable as plugin libraries. The engine calls them on whatever thread asked
/// for a trial, with the GIL released, so every call takes the GIL first (PyGILState_Ensure).
///
/// The registered object is a factory: called with the sweep's configuration dict, it returns the
/// sampler (an object with `suggest(trial_number, dimension)` and optionally
/// `observe(trial_number, point, state, value, maximize)`); `sweepkit.register_sampler` wraps a
/// shared sampler object in such a factory.
enum PythonSamplers {
    /// Registered objects by name (strong references, released never: the registry keeps them).
    nonisolated(unsafe) static var objects: [String: PyPointer] = [:]

    static let register: CoreFunctions.Fast = { _, args, nargs in
        guard checkArgumentCount(nargs, 2, "register_sampler"), let args, let nameText = utf8Argument(args[0], "name"),
            let object = args[1]
        else { return nil }
        let name = String(cString: nameText)
        let table = UnsafeMutablePointer<sk_sampler_vtable>.allocate(capacity: 1)
        table.initialize(to: sk_sampler_vtable(
            header: sk_plugin_header(abi_version: UInt32(SK_PLUGIN_ABI_VERSION), struct_size: UInt32(MemoryLayout<sk_sampler_vtable>.size),
                                     kind: SK_PLUGIN_SAMPLER.rawValue, name: UnsafePointer(strdup(name))),
            create: create, suggest: suggest, observe: observe, destroy: destroy, free_string: { free($0) }))
        let status = withoutGIL { sk_plugin_register_sampler(table, "python:\(name)") }
        guard status == SK_OK else { return raiseLastError(status) }
        skpy_incref(object)
        objects[name] = object
        return skpy_none()
    }

    /// The current Python exception as text (clears it).
    static func takeError() -> UnsafeMutablePointer<CChar>? {
        var type: PyPointer?, value: PyPointer?, traceback: PyPointer?
        PyErr_Fetch(&type, &value, &traceback)
        defer { if let type { skpy_decref(type) }; if let value { skpy_decref(value) }; if let traceback { skpy_decref(traceback) } }
        var text = "Python sampler raised an exception"
        if let value, let described = PyObject_Str(value) {
            var size: Py_ssize_t = 0
            if let utf8 = PyUnicode_AsUTF8AndSize(described, &size) { text = String(cString: utf8) }
            skpy_decref(described)
        }
        return strdup(text)
    }

    static let create: @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> UnsafeMutableRawPointer? = { config, error in
        let gil = PyGILState_Ensure()
        defer { PyGILState_Release(gil) }
        guard let config, let json = PyImport_ImportModule("json") else { error?.pointee = takeError(); return nil }
        defer { skpy_decref(json) }
        guard let text = PyUnicode_FromString(config), let loads = PyObject_GetAttrString(json, "loads") else {
            error?.pointee = takeError(); return nil
        }
        let arguments = PyTuple_New(1)!
        PyTuple_SetItem(arguments, 0, text)
        let parsed = PyObject_CallObject(loads, arguments)
        skpy_decref(arguments); skpy_decref(loads)
        guard let parsed else { error?.pointee = takeError(); return nil }
        defer { skpy_decref(parsed) }
        guard let nameObject = PyDict_GetItemString(parsed, "name"), let utf8 = PyUnicode_AsUTF8AndSize(nameObject, nil),
            let registered = objects[String(cString: utf8)]
        else { error?.pointee = strdup("unknown Python sampler"); return nil }
        // sweepkit.register_sampler always hands over a factory (a shared sampler is wrapped in one).
        let factoryArguments = PyTuple_New(1)!
        skpy_incref(parsed)
        PyTuple_SetItem(factoryArguments, 0, parsed)
        let instance = PyObject_CallObject(registered, factoryArguments)
        skpy_decref(factoryArguments)
        guard let instance else { error?.pointee = takeError(); return nil }
        return UnsafeMutableRawPointer(instance)
    }

    static let suggest: @convention(c) (UnsafeMutableRawPointer?, Int64, UnsafeMutablePointer<Double>?, UInt32, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 = { state, number, out, dimension, error in
        guard let state, let out else { return SK_PLUGIN_ERROR.rawValue }
        let gil = PyGILState_Ensure()
        defer { PyGILState_Release(gil) }
        let sampler = state.assumingMemoryBound(to: PyObject.self)
        guard let method = PyObject_GetAttrString(sampler, "suggest") else { error?.pointee = takeError(); return SK_PLUGIN_ERROR.rawValue }
        let arguments = PyTuple_New(2)!
        PyTuple_SetItem(arguments, 0, PyLong_FromLongLong(number))
        PyTuple_SetItem(arguments, 1, PyLong_FromLong(Int(dimension)))
        let result = PyObject_CallObject(method, arguments)
        skpy_decref(arguments); skpy_decref(method)
        guard let result else { error?.pointee = takeError(); return SK_PLUGIN_ERROR.rawValue }
        defer { skpy_decref(result) }
        if skpy_is_none(result) == 1 { return SK_PLUGIN_DONE.rawValue }
        guard let sequence = PySequence_Fast(result, "suggest must return a list of floats or None") else {
            error?.pointee = takeError(); return SK_PLUGIN_ERROR.rawValue
        }
        defer { skpy_decref(sequence) }
        guard PySequence_Size(sequence) == Int(dimension) else {
            error?.pointee = strdup("suggest returned \(PySequence_Size(sequence)) coordinates, the space has \(dimension)")
            return SK_PLUGIN_ERROR.rawValue
        }
        for i in 0..<Int(dimension) {
            guard let item = PySequence_GetItem(sequence, i) else { error?.pointee = takeError(); return SK_PLUGIN_ERROR.rawValue }
            out[i] = PyFloat_AsDouble(item)
            skpy_decref(item)
            if PyErr_Occurred() != nil { error?.pointee = takeError(); return SK_PLUGIN_ERROR.rawValue }
        }
        return SK_PLUGIN_OK.rawValue
    }

    static let observe: @convention(c) (UnsafeMutableRawPointer?, Int64, UnsafePointer<Double>?, UInt32, Int32, Double, Int32) -> Void = { state, number, point, dimension, trialState, value, goal in
        guard let state else { return }
        let gil = PyGILState_Ensure()
        defer { PyGILState_Release(gil) }
        let sampler = state.assumingMemoryBound(to: PyObject.self)
        guard PyObject_HasAttrString(sampler, "observe") == 1, let method = PyObject_GetAttrString(sampler, "observe") else { return }
        let coordinates = PyList_New(Int(dimension))!
        for i in 0..<Int(dimension) { PyList_SetItem(coordinates, i, PyFloat_FromDouble(point?[i] ?? .nan)) }
        // The names sweepkit.register_sampler documents, by sk_trial_state value.
        let states: [Int32: String] = [Int32(SK_TRIAL_RUNNING.rawValue): "running", Int32(SK_TRIAL_COMPLETED.rawValue): "completed",
                                       Int32(SK_TRIAL_FAILED.rawValue): "failed", Int32(SK_TRIAL_CANCELED.rawValue): "canceled"]
        let arguments = PyTuple_New(5)!
        PyTuple_SetItem(arguments, 0, PyLong_FromLongLong(number))
        PyTuple_SetItem(arguments, 1, coordinates)
        PyTuple_SetItem(arguments, 2, makeString(states[trialState] ?? "canceled"))
        PyTuple_SetItem(arguments, 3, value.isNaN ? skpy_none() : PyFloat_FromDouble(value))
        PyTuple_SetItem(arguments, 4, goal == Int32(SK_GOAL_MAXIMIZE.rawValue) ? skpy_true() : skpy_false())
        let result = PyObject_CallObject(method, arguments)
        skpy_decref(arguments); skpy_decref(method)
        if let result { skpy_decref(result) } else { PyErr_Clear() }  // observe cannot fail a sweep
    }

    static let destroy: @convention(c) (UnsafeMutableRawPointer?) -> Void = { state in
        guard let state else { return }
        let gil = PyGILState_Ensure()
        skpy_decref(state.assumingMemoryBound(to: PyObject.self))
        PyGILState_Release(gil)
    }
}
