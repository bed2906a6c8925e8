#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit
import SweepKitJobs

/// A job's `code` folder as a Ray package: a zip with the files at its root, named after its
/// content (`_ray_pkg_<sha256>.zip`, the naming of Ray's own SDK), so it is uploaded once and every
/// trial of the sweep, and every later engine of the job, reuses it.
///
/// The archive is reproducible: entries sorted by path, stored (Ray unpacks it on the cluster; a
/// code snapshot is capped at 300 MB), one fixed timestamp, the file's permission bits kept.
struct CodePackage {
    let bytes: [UInt8]
    /// `_ray_pkg_<sha256 of the archive>.zip`
    let name: String

    /// `folder`'s files (none for nil) and `extra` files (path in the archive, text).
    init(folder: String?, excluding: Set<String>, extra: [(path: String, text: String)] = []) throws(SweepKitError) {
        var entries: [(path: String, mode: UInt32, data: [UInt8]?)] = []
        if let folder { try Self.collect(folder, relative: "", excluding: excluding, into: &entries) }
        let paths = Set(entries.map(\.path))
        for file in extra where !paths.contains(file.path) { entries.append((file.path, 0o100755, Array(file.text.utf8))) }
        entries.sort { $0.path < $1.path }
        let size = entries.reduce(0) { $0 + ($1.data?.count ?? 0) }
        guard entries.count < 65_535, size < 2_000_000_000 else {
            throw .validation(field: "trial.code", message: "\(folder ?? "the code") is too large to ship to a Ray cluster (\(entries.count) entries, \(size) bytes)")
        }
        bytes = Self.zip(entries)
        name = "_ray_pkg_\(SHA256.hex(bytes)).zip"
    }

    private static func collect(_ path: String, relative: String, excluding: Set<String>,
                                into entries: inout [(path: String, mode: UInt32, data: [UInt8]?)]) throws(SweepKitError) {
        for item in FileSystem.entries(of: path).sorted() {
            let full = "\(path)/\(item)"
            if excluding.contains(full) { continue }
            let name = relative.isEmpty ? item : "\(relative)/\(item)"
            var info = stat()
            guard stat(full, &info) == 0 else { continue }  // a dangling link: not part of the code
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                entries.append((name + "/", UInt32(info.st_mode), nil))
                try collect(full, relative: name, excluding: excluding, into: &entries)
            case S_IFREG:
                entries.append((name, UInt32(info.st_mode), try FileSystem.readBytes(full)))
            default:
                break
            }
        }
    }

    /// A zip archive (PKWARE APPNOTE 6.3: local headers, central directory, end record) of
    /// stored entries; directories end with `/` and have no data.
    private static func zip(_ entries: [(path: String, mode: UInt32, data: [UInt8]?)]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func u16(_ value: Int, _ buffer: inout [UInt8]) { buffer += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)] }
        func u32(_ value: UInt32, _ buffer: inout [UInt8]) {
            buffer += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
        }
        let time = 0, date = (0 << 9) | (1 << 5) | 1  // 1980-01-01 00:00, the earliest DOS date
        for entry in entries {
            let name = Array(entry.path.utf8)
            let data = entry.data ?? []
            let crc = CRC32.checksum(bytes: data)
            let offset = UInt32(out.count)
            u32(0x0403_4b50, &out); u16(20, &out); u16(0x0800, &out); u16(0, &out); u16(time, &out); u16(date, &out)
            u32(crc, &out); u32(UInt32(data.count), &out); u32(UInt32(data.count), &out); u16(name.count, &out); u16(0, &out)
            out += name
            out += data
            u32(0x0201_4b50, &central); u16(3 << 8 | 20, &central); u16(20, &central); u16(0x0800, &central); u16(0, &central)
            u16(time, &central); u16(date, &central); u32(crc, &central); u32(UInt32(data.count), &central)
            u32(UInt32(data.count), &central); u16(name.count, &central); u16(0, &central); u16(0, &central); u16(0, &central)
            u16(0, &central); u32((entry.mode & 0xFFFF) << 16 | (entry.data == nil ? 0x10 : 0), &central); u32(offset, &central)
            central += name
        }
        let centralOffset = UInt32(out.count)
        out += central
        u32(0x0605_4b50, &out); u16(0, &out); u16(0, &out); u16(entries.count, &out); u16(entries.count, &out)
        u32(UInt32(central.count), &out); u32(centralOffset, &out); u16(0, &out)
        return out
    }
}
