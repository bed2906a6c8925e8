import CPython
import CSweepKit

/// A sweep handle travels through Python as a capsule that frees the sweep when collected.
enum SweepHandleCapsule {
    nonisolated(unsafe) static let name: UnsafeMutablePointer<CChar> = strdup("sweepkit.sweep")!

    static func wrap(_ sweep: OpaquePointer) -> PyPointer? {
        PyCapsule_New(UnsafeMutableRawPointer(sweep), name) { capsule in
            guard let capsule, let pointer = PyCapsule_GetPointer(capsule, SweepHandleCapsule.name) else { return }
            sk_sweep_free(OpaquePointer(pointer))
        }
    }

    /// The handle inside a capsule argument; NULL with a TypeError set if it is not one.
    static func unwrap(_ object: PyPointer?) -> OpaquePointer? {
        guard let object, PyCapsule_IsValid(object, name) == 1, let pointer = PyCapsule_GetPointer(object, name) else {
            _ = raiseTypeError("expected a sweep handle from sweepkit._core.sweep_create")
            return nil
        }
        return OpaquePointer(pointer)
    }
}
