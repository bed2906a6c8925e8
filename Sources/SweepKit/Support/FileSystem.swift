#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file operations the engine needs, on POSIX calls (the engine does not link Foundation, so
/// the Python extension stays small). Errors become `SweepKitError.internalFailure` with the path.
public enum FileSystem {
    public static func failure(_ what: String, _ path: String) -> SweepKitError {
        .internalFailure("\(what) \(path): \(String(cString: strerror(errno)))")
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// `mkdir -p`.
    public static func createDirectory(_ path: String) throws(SweepKitError) {
        if isDirectory(path) { return }
        let parent = directoryName(path)
        if parent != path, !parent.isEmpty { try createDirectory(parent) }
        if mkdir(path, 0o755) != 0, errno != EEXIST { throw failure("cannot create directory", path) }
    }

    public static func directoryName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public static func read(_ path: String) throws(SweepKitError) -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    public static func readBytes(_ path: String) throws(SweepKitError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot read", path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 { if errno == EINTR { continue }; throw failure("cannot read", path) }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return bytes
    }

    /// Writes a file atomically: a temporary file, fsync, rename over the target.
    public static func writeAtomically(_ path: String, _ text: String) throws(SweepKitError) {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot write", temporary) }
        do {
            try writeAll(fd, text, path: temporary)
            fsync(fd)
            close(fd)
        } catch {
            close(fd)
            throw error
        }
        guard rename(temporary, path) == 0 else { throw failure("cannot rename onto", path) }
    }

    public static func writeAll(_ fd: Int32, _ text: String, path: String) throws(SweepKitError) {
        var text = text
        let ok = text.withUTF8 { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 { if errno == EINTR { continue }; return false }
                offset += written
            }
            return true
        }
        if !ok { throw failure("cannot write", path) }
    }

    /// The names in a directory (without "." and ".."), unsorted; empty when it cannot be read.
    public static func entries(of path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// A new private directory under $TMPDIR (or /tmp).
    public static func makeTemporaryDirectory(prefix: String) throws(SweepKitError) -> String {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw failure("cannot create a temporary directory in", base) }
        return String(nulTerminated: template)
    }

    /// Removes a file or a directory tree (like `rm -rf`); errors are ignored.
    public static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in entries(of: path) { removeTree("\(path)/\(name)") }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// The last `maxBytes` bytes of a file (all of it when shorter), without reading the rest.
    public static func tail(_ path: String, maxBytes: Int) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0 else { return nil }
        let start = max(0, Int(size) - maxBytes)
        var buffer = [UInt8](repeating: 0, count: Int(size) - start)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(start)) }
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// Copies a directory tree (files, directories, symlinks), like `cp -a` without ownership.
    /// Paths in `excluding` (absolute) are left out with everything below them.
    public static func copyTree(from source: String, to destination: String, excluding: Set<String> = []) throws(SweepKitError) {
        if excluding.contains(source) { return }
        var info = stat()
        guard lstat(source, &info) == 0 else { throw failure("cannot read", source) }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            try createDirectory(destination)
            guard access(source, R_OK | X_OK) == 0 else { throw failure("cannot list", source) }
            for name in entries(of: source) {
                try copyTree(from: "\(source)/\(name)", to: "\(destination)/\(name)", excluding: excluding)
            }
        case S_IFLNK:
            var target = [CChar](repeating: 0, count: 4097)
            let length = readlink(source, &target, 4096)
            guard length >= 0 else { throw failure("cannot read link", source) }
            target[length] = 0
            guard symlink(target, destination) == 0 else { throw failure("cannot create link", destination) }
        case S_IFREG:
            try copyFile(from: source, to: destination, mode: info.st_mode & 0o7777)
        default:
            break  // sockets, devices, fifos: not part of a code snapshot
        }
    }

    /// The regular files of a tree (not following symlinks) and their total size, counting stops
    /// once either passes its limit.
    public static func treeSize(_ path: String, excluding: Set<String> = [], maxBytes: Int = .max, maxFiles: Int = .max)
        -> (bytes: Int, files: Int)
    {
        var total = (bytes: 0, files: 0)
        func walk(_ path: String) {
            guard !excluding.contains(path), total.bytes <= maxBytes, total.files <= maxFiles else { return }
            var info = stat()
            guard lstat(path, &info) == 0 else { return }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: for name in entries(of: path) { walk("\(path)/\(name)") }
            case S_IFREG: total = (total.bytes + Int(info.st_size), total.files + 1)
            default: break
            }
        }
        walk(path)
        return total
    }

    static func copyFile(from source: String, to destination: String, mode: mode_t) throws(SweepKitError) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw failure("cannot read", source) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard output >= 0 else { throw failure("cannot write", destination) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
            if count < 0 { if errno == EINTR { continue }; throw failure("cannot read", source) }
            if count == 0 { return }
            let ok = buffer.withUnsafeBytes { raw -> Bool in
                var offset = 0
                while offset < count {
                    let written = write(output, raw.baseAddress! + offset, count - offset)
                    if written < 0 { if errno == EINTR { continue }; return false }
                    offset += written
                }
                return true
            }
            if !ok { throw failure("cannot write", destination) }
        }
    }

    /// Absolute form of `path`, relative paths taken from the current directory.
    public static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: 4097)
        guard getcwd(&buffer, 4096) != nil else { return path }
        let cwd = String(nulTerminated: buffer)
        return path == "." ? cwd : "\(cwd)/\(path.hasPrefix("./") ? String(path.dropFirst(2)) : path)"
    }
}

/// Wall-clock milliseconds since the Unix epoch (what MLflow stores) and monotonic seconds.
public enum Clock {
    public static func epochMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    public static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }

    public static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
