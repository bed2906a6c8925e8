#if canImport(Glibc)
import Glibc
#endif
import CSweepKit
import Synchronization

/// Loads plugin libraries (the C vtable of sweepkit.h) and registers their sampler or policy.
///
/// Everything read from a library is checked before it is used: the entry symbol, the ABI version,
/// the struct size, the kind, the name and every function pointer. A library that fails a check is
/// refused with the reason and nothing is registered. Libraries are never unloaded (a sweep may
/// still hold a plugin's objects).
public enum PluginLoader {
    public struct Info: Sendable, Equatable {
        public let name: String
        public let kind: String
        public let abiVersion: Int
        public let origin: String

        public var json: JSONValue {
            ["name": .string(name), "kind": .string(kind), "abi_version": .int(abiVersion), "origin": .string(origin)]
        }
    }

    private static let loaded = Mutex<[Info]>([])
    private static let environmentErrors = Mutex<[String]>([])

    /// Plugins loaded so far (from SWEEPKIT_PLUGIN_PATH, `load`, or a job's `plugins`).
    public static var all: [Info] { loaded.withLock { $0 } }
    /// Why libraries named by SWEEPKIT_PLUGIN_PATH were refused.
    public static var environmentProblems: [String] { environmentErrors.withLock { $0 } }

    /// Loads `path` (once: loading the same file again returns its info).
    @discardableResult
    public static func load(path rawPath: String) throws(SweepKitError) -> Info {
        loadEnvironmentOnce()
        return try loadLibrary(rawPath)
    }

    /// `load` without the SWEEPKIT_PLUGIN_PATH step (which itself loads through here: calling back
    /// into the once-initialiser from inside it would deadlock).
    private static func loadLibrary(_ rawPath: String) throws(SweepKitError) -> Info {
        let path = FileSystem.absolute(rawPath)
        if let existing = loaded.withLock({ $0.first { $0.origin == path } }) { return existing }
        guard FileSystem.exists(path) else { throw .validation(field: "plugin", message: "no plugin library at \(path)") }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw .validation(field: "plugin", message: "cannot load \(path): \(dlerror().map { String(cString: $0) } ?? "unknown error")")
        }
        guard let symbol = dlsym(handle, SK_PLUGIN_ENTRY_SYMBOL) else {
            throw .validation(field: "plugin", message: "\(path) is not a SweepKit plugin: it does not export '\(SK_PLUGIN_ENTRY_SYMBOL)'")
        }
        let entry = unsafeBitCast(symbol, to: sk_plugin_entry.self)
        guard let table = entry(UInt32(SK_PLUGIN_ABI_VERSION)) else {
            throw .validation(field: "plugin", message: "\(path) cannot serve plugin ABI version \(SK_PLUGIN_ABI_VERSION) (it returned no vtable)")
        }
        let header = table.assumingMemoryBound(to: sk_plugin_header.self).pointee
        guard header.abi_version == UInt32(SK_PLUGIN_ABI_VERSION) else {
            throw .validation(field: "plugin", message: "\(path) was built for plugin ABI version \(header.abi_version); this SweepKit speaks version \(SK_PLUGIN_ABI_VERSION). Rebuild the plugin against this SweepKit")
        }
        let name = try validName(header.name, path: path)
        let info: Info
        switch header.kind {
        case UInt32(SK_PLUGIN_SAMPLER.rawValue):
            guard header.struct_size >= UInt32(MemoryLayout<sk_sampler_vtable>.size) else {
                throw .validation(field: "plugin", message: "\(path): its sampler vtable is \(header.struct_size) bytes, smaller than version \(SK_PLUGIN_ABI_VERSION)'s \(MemoryLayout<sk_sampler_vtable>.size)")
            }
            let vtable = table.assumingMemoryBound(to: sk_sampler_vtable.self)
            try registerSampler(vtable, name: name, origin: path)
            info = Info(name: name, kind: "sampler", abiVersion: Int(header.abi_version), origin: path)
        case UInt32(SK_PLUGIN_POLICY.rawValue):
            guard header.struct_size >= UInt32(MemoryLayout<sk_policy_vtable>.size) else {
                throw .validation(field: "plugin", message: "\(path): its policy vtable is \(header.struct_size) bytes, smaller than version \(SK_PLUGIN_ABI_VERSION)'s \(MemoryLayout<sk_policy_vtable>.size)")
            }
            let vtable = table.assumingMemoryBound(to: sk_policy_vtable.self)
            guard vtable.pointee.create != nil, vtable.pointee.evaluate != nil, vtable.pointee.destroy != nil,
                vtable.pointee.free_string != nil
            else { throw .validation(field: "plugin", message: "\(path): its policy vtable has NULL functions") }
            let shared = StaticVTable(pointer: vtable)
            try PolicyRegistry.shared.register(name: name, origin: path) { options throws(SweepKitError) in
                try PluginPolicy(vtable: shared.pointer, name: name, options: options)
            }
            info = Info(name: name, kind: "policy", abiVersion: Int(header.abi_version), origin: path)
        default:
            throw .validation(field: "plugin", message: "\(path): unknown plugin kind \(header.kind)")
        }
        loaded.withLock { $0.append(info) }
        return info
    }

    /// Registers a sampler vtable that does not come from a library (e.g. the Python binding's).
    public static func registerSampler(_ vtable: UnsafePointer<sk_sampler_vtable>, name: String, origin: String) throws(SweepKitError) {
        guard vtable.pointee.create != nil, vtable.pointee.suggest != nil, vtable.pointee.observe != nil,
            vtable.pointee.destroy != nil, vtable.pointee.free_string != nil
        else { throw .validation(field: "plugin", message: "\(origin): its sampler vtable has NULL functions") }
        let shared = StaticVTable(pointer: vtable)
        try SamplerRegistry.shared.register(name: name, origin: origin) { space, algorithm throws(SweepKitError) in
            try PluginSampler(vtable: shared.pointer, name: name, space: space, algorithm: algorithm)
        }
    }

    public static func validName(_ pointer: UnsafePointer<CChar>?, path: String) throws(SweepKitError) -> String {
        guard let pointer else { throw .validation(field: "plugin", message: "\(path): its vtable has no name") }
        let name = String(cString: pointer)
        guard PluginName.isValid(name) else { throw .validation(field: "plugin", message: "\(path): invalid plugin name '\(name.prefix(80))' (expected [a-z][a-z0-9_]*)") }
        return name
    }

    private static let environmentLoaded: Bool = {
        guard let value = getenv("SWEEPKIT_PLUGIN_PATH").map({ String(cString: $0) }) else { return true }
        for item in value.split(separator: ":") where !item.isEmpty {
            let path = String(item)
            let files = FileSystem.isDirectory(path)
                ? FileSystem.entries(of: path).filter { $0.hasSuffix(".so") }.sorted().map { "\(path)/\($0)" }
                : [path]
            for file in files {
                do { _ = try loadLibrary(file) } catch { environmentErrors.withLock { $0.append("\(error)") } }
            }
        }
        return true
    }()

    /// Loads the libraries SWEEPKIT_PLUGIN_PATH names (files or folders of .so files, ':'-separated),
    /// once per process, before the first registry lookup.
    public static func loadEnvironmentOnce() { _ = environmentLoaded }
}

/// A plugin's vtable: a static, immutable table, so sharing the pointer across threads is safe.
struct StaticVTable<Table>: @unchecked Sendable {
    let pointer: UnsafePointer<Table>
}
