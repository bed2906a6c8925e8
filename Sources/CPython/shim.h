// Python.h for Swift: the stable ABI of CPython 3.10+, so one `_core.abi3.so` serves every
// interpreter from 3.10 on. The include path comes from the interpreter that builds the extension
// (python/setup.py passes `-Xcc -I<sysconfig include>`).
#ifndef SWEEPKIT_CPYTHON_SHIM_H
#define SWEEPKIT_CPYTHON_SHIM_H

// libc headers first: pyconfig.h defines _GNU_SOURCE, which changes how they parse, and Swift's
// Glibc module must see the same definitions (otherwise 'fd_set' clashes between modules).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <limits.h>
#include <assert.h>
#include <wchar.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <math.h>
#include <time.h>
#include <stdint.h>

#define Py_LIMITED_API 0x030A0000
#define PY_SSIZE_T_CLEAN
#include <Python.h>

// Macros Swift cannot import, as functions.
static inline PyObject *skpy_none(void) { Py_INCREF(Py_None); return Py_None; }
static inline PyObject *skpy_true(void) { Py_INCREF(Py_True); return Py_True; }
static inline PyObject *skpy_false(void) { Py_INCREF(Py_False); return Py_False; }
static inline int skpy_is_none(PyObject *o) { return o == Py_None; }
static inline void skpy_incref(PyObject *o) { Py_INCREF(o); }
static inline void skpy_decref(PyObject *o) { Py_DECREF(o); }
static inline void skpy_xdecref(PyObject *o) { Py_XDECREF(o); }
static inline PyModuleDef_Base skpy_moduledef_base(void) {
    PyModuleDef_Base base = PyModuleDef_HEAD_INIT;
    return base;
}
static inline PyObject *skpy_module_create(PyModuleDef *def) { return PyModule_Create(def); }
static inline PyObject *skpy_exc_value_error(void) { return PyExc_ValueError; }
static inline PyObject *skpy_exc_runtime_error(void) { return PyExc_RuntimeError; }
static inline PyObject *skpy_exc_type_error(void) { return PyExc_TypeError; }
static inline PyObject *skpy_exc_exception(void) { return PyExc_Exception; }
static inline PyObject *skpy_exc_overflow_error(void) { return PyExc_OverflowError; }

#endif
