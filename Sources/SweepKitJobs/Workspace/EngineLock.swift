import SweepKit
import SweepKitPlatform
/// The lock that makes one engine process the only writer of a job (`engine.lock`): held for the
/// engine's lifetime and released by the kernel however the process ends.
public final class EngineLock {
    private let lock: FileLock

    private init(_ lock: FileLock) { self.lock = lock }

    /// Takes the lock, or returns nil when another engine holds it.
    public static func acquire(_ path: String) throws(SweepKitError) -> EngineLock? {
        do {
            return try FileLock.tryAcquire(path).map(EngineLock.init)
        } catch {
            throw .internalFailure("\(error)")
        }
    }

    /// The pid of the engine holding the lock (-1 if unknown), or nil when no engine runs the job.
    public static func holder(_ path: String) -> Int32? { FileLock.holder(path) }
}
