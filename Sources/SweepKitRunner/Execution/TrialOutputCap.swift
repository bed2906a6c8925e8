#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit
import SweepKitPlatform

/// Keeps a trial's stdout.txt and stderr.txt bounded: when one grows past the cap, its middle is
/// cut, keeping the first and the last quarter of the cap around a line that says how much was cut.
/// Trials write their output in append mode, so a cut never leaves a hole. The cap is
/// `SWEEPKIT_TRIAL_OUTPUT_MAX_MB` (default 64) per file.
enum TrialOutputCap {
    /// A mistyped variable was refused at submission (`InputLimits.checkEnvironment`); one set
    /// wrong later, under a running engine, falls back to the default.
    static var maxBytes: Int {
        let limit = InputLimits.trialOutputMegabytes
        return ((try? limit.value()) ?? limit.defaultValue) * 1_048_576
    }

    static func enforce(logDirectory: String, maxBytes: Int = TrialOutputCap.maxBytes) {
        for name in ["stdout.txt", "stderr.txt"] { compact("\(logDirectory)/\(name)", maxBytes: maxBytes) }
    }

    static func compact(_ path: String, maxBytes: Int) {
        var info = stat()
        guard stat(path, &info) == 0, Int(info.st_size) > maxBytes else { return }
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let size = Int(lseek(fd, 0, SEEK_END))
        let keep = max(1, maxBytes / 4)
        var tail = [UInt8](repeating: 0, count: keep)
        let read = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, keep, off_t(size - keep)) }
        guard read > 0 else { return }
        let cut = size - keep - read
        guard ftruncate(fd, off_t(keep)) == 0 else { return }
        let marker = "\n[sweepkit: \(cut) bytes of this output were cut here (SWEEPKIT_TRIAL_OUTPUT_MAX_MB)]\n"
        _ = marker.withCString { pwrite(fd, $0, strlen($0), off_t(keep)) }
        _ = tail.withUnsafeBytes { pwrite(fd, $0.baseAddress, read, off_t(keep + marker.utf8.count)) }
    }
}
