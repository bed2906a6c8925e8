import Synchronization
import SweepKit

/// The live `sk_sweep *` handles. A handle is not an address: it is an id from a process-wide
/// counter, packed into the pointer value, so no handle value is ever handed out twice. Every call
/// checks its handle here first: a NULL, foreign, or freed handle is SK_MISUSE instead of a crash,
/// and a freed handle stays SK_MISUSE for ever (a later sweep never gets its value, even when the
/// allocator reuses the freed sweep's memory).
enum SweepHandles {
    private struct Table: ~Copyable {
        /// The next id; ids start at 1 and are never reused (2^60 of them outlast any process).
        var next: UInt64 = 1
        var live: [UInt64: Sweep] = [:]
    }

    private static let table = Mutex(Table())

    /// The low bits of every handle value: an odd, tagged value is never an object address, so a
    /// stray pointer passed as a handle cannot match, and the value is never NULL.
    private static let tag: UInt = 0b0101
    private static let tagBits: UInt = 4

    static func register(_ sweep: Sweep) -> OpaquePointer {
        let id = table.withLock { table in
            let id = table.next
            table.next += 1
            table.live[id] = sweep
            return id
        }
        return OpaquePointer(bitPattern: UInt(id) << tagBits | tag)!
    }

    /// The id a handle value carries, nil when it cannot be one of ours.
    private static func id(_ handle: OpaquePointer?) -> UInt64? {
        guard let handle else { return nil }
        let bits = UInt(bitPattern: handle)
        guard bits & (1 << tagBits - 1) == tag else { return nil }
        return UInt64(bits >> tagBits)
    }

    static func sweep(_ handle: OpaquePointer?) throws(SweepKitError) -> Sweep {
        guard let id = id(handle), let sweep = table.withLock({ $0.live[id] }) else {
            throw .misuse("not a live sweep handle (NULL, freed, or not from sk_sweep_create)")
        }
        return sweep
    }

    /// Forgets a handle; the sweep is released once no call still uses it.
    static func free(_ handle: OpaquePointer?) {
        guard let id = id(handle) else { return }
        let sweep = table.withLock { $0.live.removeValue(forKey: id) }
        withExtendedLifetime(sweep) {}  // released here, outside the lock (its deinit destroys plugin states)
    }
}
