#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the system knows about running processes, to recognise a trial across engine restarts.
/// Linux reads /proc; a Darwin port fills these four functions in with `proc_pidinfo`.
public enum ProcessTable {
    public struct Entry: Sendable, Equatable {
        public let pid: Int32
        public let processGroup: Int32
        /// Start time in clock ticks since boot: with the pid, it names one process for ever.
        public let startTicks: UInt64
        /// True for a zombie (exited, not yet reaped).
        public let exited: Bool
    }

    public static func entry(_ pid: Int32) -> Entry? {
        guard pid > 0, let text = readSmallFile("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        // Fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
        // utime stime cutime cstime priority nice threads itrealvalue starttime ...
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let group = Int32(fields[2]), let ticks = UInt64(fields[19]) else { return nil }
        return Entry(pid: pid, processGroup: group, startTicks: ticks, exited: fields[0] == "Z" || fields[0] == "X")
    }

    /// Whether the process `pid` that started at `startTicks` still runs (a recycled pid does not count).
    public static func isRunning(pid: Int32, startTicks: UInt64) -> Bool {
        guard let entry = entry(pid) else { return false }
        return entry.startTicks == startTicks && !entry.exited
    }

    public static func members(ofGroup group: Int32) -> [Entry] {
        allPIDs().compactMap { pid in
            guard let entry = entry(pid), entry.processGroup == group else { return nil }
            return entry
        }
    }

    /// Every process (except this one) whose environment holds exactly `entry` ("NAME=value"):
    /// how a job finds its trials' processes, which inherit the marker whatever they start.
    public static func processes(withEnvironmentEntry entry: String) -> [Int32] {
        let marker = Array(entry.utf8)
        let me = getpid()
        return allPIDs().filter { pid in
            guard pid != me, let bytes = readBytes("/proc/\(pid)/environ") else { return false }
            return bytes.split(separator: 0).contains { $0.elementsEqual(marker) }
        }
    }

    /// CPU time (user + system) this process has used.
    public static func cpuSecondsOfThisProcess() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func allPIDs() -> [Int32] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var pids: [Int32] = []
        while let item = readdir(directory) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let pid = Int32(name) { pids.append(pid) }
        }
        return pids
    }

    static func readBytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return bytes
    }

    static func readSmallFile(_ path: String) -> String? {
        readBytes(path).map { String(decoding: $0, as: UTF8.self) }
    }
}
