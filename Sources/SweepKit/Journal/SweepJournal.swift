#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The durable record of a sweep job: one JSON event per line, appended and fsync'ed before the
/// engine acts on it, so that after a crash `resume` knows every trial that started and ended.
///
/// Only the process holding the job's engine lock appends. A torn last line (a crash mid-write)
/// is ignored when reading.
public final class SweepJournal {
    public let path: String
    private let fd: Int32

    public init(path: String) throws(SweepKitError) {
        self.path = path
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystem.failure("cannot open the journal", path) }
    }

    deinit { close(fd) }

    /// Appends `event` (a mapping) with its `time` in epoch milliseconds, durably.
    public func append(_ event: JSONObject) throws(SweepKitError) {
        var event = event
        event["time"] = .int(Int(Clock.epochMilliseconds()))
        try FileSystem.writeAll(fd, JSONValue.object(event).jsonText + "\n", path: path)
        guard fdatasync(fd) == 0 else { throw FileSystem.failure("cannot sync the journal", path) }
    }

    /// Every complete event of the journal at `path`, in order.
    public static func read(path: String) throws(SweepKitError) -> [JSONObject] {
        let text = try FileSystem.read(path)
        var events: [JSONObject] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            // A line without its newline is a write the crash cut short; everything before it is whole.
            if line.endIndex == text.endIndex, !text.hasSuffix("\n") { break }
            guard case .object(let event)? = try? JSONValue(parsing: String(line)) else {
                throw .internalFailure("the journal \(path) is damaged: a line is not JSON")
            }
            events.append(event)
        }
        return events
    }
}
