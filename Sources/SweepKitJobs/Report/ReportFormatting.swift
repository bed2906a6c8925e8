#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit

/// Numbers, times and durations as the trial table and the progress line print them.
public enum ReportFormatting {
    /// `%.6g`: 0.973124, 1.5e-05, 42.
    public static func number(_ value: Double, significant: Int = 6) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([Int32(significant), value]) { vsnprintf(&buffer, buffer.count, "%.*g", $0) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// ISO 8601 in UTC with milliseconds: `2025-03-01T12:00:05.250Z`.
    public static func isoTime(_ epochMilliseconds: Int64) -> String {
        var seconds = time_t(epochMilliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let millis = Int(epochMilliseconds % 1000)
        let fraction = String(repeating: "0", count: 3 - String(millis).count) + String(millis)
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):"
            + "\(two(parts.tm_min)):\(two(parts.tm_sec)).\(fraction)Z"
    }

    /// `45s`, `3m07s`, `2h05m`, `3d04h`: two units at most, for the progress line.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(max(0, seconds).rounded())
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(two(s % 60))s" }
        if s < 86400 { return "\(s / 3600)h\(two(s / 60 % 60))m" }
        return "\(s / 86400)d\(two(s / 3600 % 24))h"
    }
}
