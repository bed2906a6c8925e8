import CPython
import CSweepKit

/// Small helpers between Python objects and C values. Everything here runs with the GIL held.
typealias PyPointer = UnsafeMutablePointer<PyObject>
typealias FastArgs = UnsafePointer<UnsafeMutablePointer<PyObject>?>?
typealias CStringOut = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

/// The exception classes of `sweepkit.exceptions`, handed over once by `sweepkit/__init__.py`
/// (`_core._set_exception_classes`), so errors from the engine arrive as the classes users catch.
nonisolated(unsafe) var exceptionClasses: [sk_status.RawValue: PyPointer] = [:]

func raise(_ status: sk_status, _ message: String) -> PyPointer? {
    let type = exceptionClasses[status.rawValue] ?? skpy_exc_runtime_error()
    PyErr_SetString(type, message)
    return nil
}

/// Raises the engine's last error for a failed call.
func raiseLastError(_ status: sk_status) -> PyPointer? {
    raise(status, String(cString: sk_last_error()))
}

func raiseTypeError(_ message: String) -> PyPointer? {
    PyErr_SetString(skpy_exc_type_error(), message)
    return nil
}

func makeString(_ text: String) -> PyPointer? {
    var text = text
    return text.withUTF8 { buffer in
        buffer.withMemoryRebound(to: CChar.self) { PyUnicode_FromStringAndSize($0.baseAddress, buffer.count) }
    }
}

/// Turns a string the engine allocated into a Python str and frees it.
func takeString(_ text: UnsafeMutablePointer<CChar>?) -> PyPointer? {
    guard let text else { return skpy_none() }
    defer { sk_free(text) }
    return PyUnicode_FromString(text)
}

/// The UTF-8 of a str argument; the pointer lives as long as the argument object. A str with a
/// NUL character is refused (ValidationException naming the argument): as a C string it would be
/// cut at the NUL without anyone noticing.
func utf8Argument(_ object: PyPointer?, _ name: String) -> UnsafePointer<CChar>? {
    guard let object else { _ = raiseTypeError("\(name) is missing"); return nil }
    var size: Py_ssize_t = 0
    guard let text = PyUnicode_AsUTF8AndSize(object, &size) else { return nil }
    guard strlen(text) == size else {
        _ = raise(SK_INVALID, "\(name): contains a NUL character (\\x00) at index \(strlen(text)), which the engine cannot take; remove it")
        return nil
    }
    return text
}

/// An int argument as a 64-bit integer. One out of range is a ValidationException naming the
/// argument and the value (not an OverflowError from the conversion).
func int64Argument(_ object: PyPointer?, _ name: String) -> Int64? {
    guard let object else { _ = raiseTypeError("\(name) is missing"); return nil }
    let value = PyLong_AsLongLong(object)
    guard value == -1, PyErr_Occurred() != nil else { return value }
    guard PyErr_ExceptionMatches(skpy_exc_overflow_error()) != 0 else { return nil }
    PyErr_Clear()
    let text = PyObject_Str(object).flatMap { string -> String? in
        defer { skpy_decref(string) }
        return PyUnicode_AsUTF8AndSize(string, nil).map { String(cString: $0) }
    } ?? "the value"
    PyErr_Clear()  // str() of an int with more digits than Python converts fails
    _ = raise(SK_INVALID, "\(name): \(text.count > 40 ? String(text.prefix(40)) + "..." : text) is out of range (a 64-bit integer)")
    return nil
}

func checkArgumentCount(_ nargs: Py_ssize_t, _ expected: Int, _ function: String) -> Bool {
    guard nargs == expected else {
        _ = raiseTypeError("\(function)() takes \(expected) arguments (\(nargs) given)")
        return false
    }
    return true
}

/// Runs engine work with the GIL released, so other Python threads keep running meanwhile.
func withoutGIL<T>(_ body: () -> T) -> T {
    let threadState = PyEval_SaveThread()
    defer { PyEval_RestoreThread(threadState) }
    return body()
}
