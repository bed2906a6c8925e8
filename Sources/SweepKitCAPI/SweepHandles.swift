import Synchronization
import SweepKit

/// The live `sk_sweep *` handles. Every call checks its handle here first, so a NULL, foreign or
/// already-freed handle is SK_MISUSE instead of a crash.
enum SweepHandles {
    private static let live = Mutex<[UInt: Sweep]>([:])  // keyed by the handle's address

    static func register(_ sweep: Sweep) -> OpaquePointer {
        let handle = Unmanaged.passRetained(sweep).toOpaque()
        live.withLock { $0[UInt(bitPattern: handle)] = sweep }
        return OpaquePointer(handle)
    }

    static func sweep(_ handle: OpaquePointer?) throws(SweepKitError) -> Sweep {
        guard let handle, let sweep = live.withLock({ $0[UInt(bitPattern: UnsafeMutableRawPointer(handle))] }) else {
            throw .misuse("not a live sweep handle (NULL, or already freed)")
        }
        return sweep
    }

    static func free(_ handle: OpaquePointer?) {
        guard let handle else { return }
        let raw = UnsafeMutableRawPointer(handle)
        if live.withLock({ $0.removeValue(forKey: UInt(bitPattern: raw)) }) != nil {
            Unmanaged<Sweep>.fromOpaque(raw).release()
        }
    }
}
