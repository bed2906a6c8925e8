import SweepKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The durable record of a sweep job (`journal.jsonl`): one `JournalCodec` line per event,
/// appended and fsync'ed before the engine acts on it, so that after a crash `resume` knows every
/// trial that started and ended. Only the process holding the job's engine lock appends.
///
/// Damage is expected and handled the way SQLite treats its write-ahead log:
/// - a torn last line (a crash or a full disk mid-write: no newline at the end) is not an event;
///   the next writer cuts it off before it appends, so nothing is ever written after a fragment;
/// - a complete line that is not an intact event (bad JSON, a checksum that does not match, an
///   unknown event) is skipped and reported (`JournalContents.damage`, shown by `job show`); the
///   events around it still count. It is never rewritten or appended to.
public final class JobJournal {
    public let path: String
    private let fd: Int32

    /// Opens the journal for appending, creating it, and cuts off a torn last line.
    public init(path: String) throws(SweepKitError) {
        self.path = path
        fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystem.failure("cannot open the journal", path) }
        let contents = try Self.read(path: path)
        if contents.validLength < contents.fileLength {
            guard ftruncate(fd, off_t(contents.validLength)) == 0 else {
                close(fd)
                throw FileSystem.failure("cannot cut the torn last line of the journal", path)
            }
        }
    }

    deinit { close(fd) }

    /// Appends `event`, stamped with the current time, durably.
    @discardableResult
    public func append(_ event: JobEvent) throws(SweepKitError) -> JournalEntry {
        let entry = JournalEntry(time: Clock.epochMilliseconds(), event: event)
        try FileSystem.writeAll(fd, JournalCodec.encode(entry) + "\n", path: path)
        guard fdatasync(fd) == 0 else { throw FileSystem.failure("cannot sync the journal", path) }
        return entry
    }

    /// What a journal file holds: its events in order and what was skipped.
    public struct Contents: Sendable {
        public var entries: [JournalEntry] = []
        public var damage: [JournalDamage] = []
        /// Bytes up to the end of the last complete line.
        var validLength = 0
        var fileLength = 0
    }

    public static func read(path: String) throws(SweepKitError) -> Contents {
        let bytes = try FileSystem.readBytes(path)
        var contents = Contents()
        contents.fileLength = bytes.count
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                contents.damage.append(JournalDamage(line: lineNumber, reason: "a torn last line (\(bytes.count - start) bytes without a newline) was ignored"))
                break
            }
            let line = String(decoding: bytes[start..<newline], as: UTF8.self)
            start = newline + 1
            contents.validLength = start
            if line.isEmpty { continue }
            do {
                if let entry = try JournalCodec.decode(Substring(line)) { contents.entries.append(entry) }
            } catch {
                contents.damage.append(JournalDamage(line: lineNumber, reason: "line \(lineNumber) was skipped: \(error.reason)"))
            }
        }
        return contents
    }
}

/// A journal line that was not read as an event.
public struct JournalDamage: Equatable, Sendable {
    public let line: Int
    public let reason: String
}
