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

    /// Plugins registered so far (from SWEEPKIT_PLUGIN_PATH, `load`, a job's `plugins`, an entry
    /// function or a binding's vtable).
    public static var all: [Info] { loaded.withLock { $0 } }
    /// Why libraries named by SWEEPKIT_PLUGIN_PATH were refused.
    public static var environmentProblems: [String] { environmentErrors.withLock { $0 } }

    /// Loads `path` (once: loading the same file again returns its info).
    @discardableResult
    public static func load(path rawPath: String) throws(SweepKitError) -> Info {
        loadEnvironmentOnce()
        return try loadLibrary(rawPath)
    }

    /// The plugin ABI versions this host loads, newest first: a version 1 vtable has today's layout
    /// and its policy results are translated (`PluginResults`).
    public static let supportedABIVersions: [UInt32] = Array((UInt32(SK_PLUGIN_ABI_VERSION_OLDEST)...UInt32(SK_PLUGIN_ABI_VERSION)).reversed())

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
        return try registerEntry(unsafeBitCast(symbol, to: sk_plugin_entry.self), origin: path)
    }

    /// Registers what a plugin's entry function returns: asked for each supported ABI version,
    /// newest first, until it returns a vtable, which is then checked completely.
    @discardableResult
    public static func register(entry: sk_plugin_entry, origin: String) throws(SweepKitError) -> Info {
        loadEnvironmentOnce()
        if let existing = loaded.withLock({ $0.first { $0.origin == origin } }) { return existing }
        return try registerEntry(entry, origin: origin)
    }

    private static func registerEntry(_ entry: sk_plugin_entry, origin path: String) throws(SweepKitError) -> Info {
        var answer: UnsafeRawPointer?
        for version in supportedABIVersions where answer == nil { answer = entry(version) }
        guard let table = answer else {
            throw .validation(field: "plugin", message: "\(path) cannot serve plugin ABI version \(versionList) (it returned no vtable)")
        }
        let header = table.assumingMemoryBound(to: sk_plugin_header.self).pointee
        guard supportedABIVersions.contains(header.abi_version) else {
            throw .validation(field: "plugin", message: "\(path) was built for plugin ABI version \(header.abi_version); this SweepKit loads versions \(versionList). Rebuild the plugin against this SweepKit")
        }
        let name = try validName(header.name, path: path)
        let info = Info(name: name, kind: header.kind == UInt32(SK_PLUGIN_POLICY.rawValue) ? "policy" : "sampler",
                        abiVersion: Int(header.abi_version), origin: path)
        switch header.kind {
        case UInt32(SK_PLUGIN_SAMPLER.rawValue):
            try registerSampler(table.assumingMemoryBound(to: sk_sampler_vtable.self), name: name, origin: path)
        case UInt32(SK_PLUGIN_POLICY.rawValue):
            try registerPolicy(table.assumingMemoryBound(to: sk_policy_vtable.self), name: name, origin: path)
        default:
            throw .validation(field: "plugin", message: "\(path): unknown plugin kind \(header.kind)")
        }
        return info
    }

    private static var versionList: String {
        supportedABIVersions.reversed().map(String.init).joined(separator: " to ")
    }

    /// Registers a sampler vtable (from a library, an entry function, or a language binding such as
    /// the Python one): version, size, kind and every function are checked first.
    public static func registerSampler(_ vtable: UnsafePointer<sk_sampler_vtable>, name: String, origin: String) throws(SweepKitError) {
        let header = vtable.pointee.header
        try check(header, kind: SK_PLUGIN_SAMPLER, size: MemoryLayout<sk_sampler_vtable>.size, origin: origin)
        guard vtable.pointee.create != nil, vtable.pointee.suggest != nil, vtable.pointee.observe != nil,
            vtable.pointee.destroy != nil, vtable.pointee.free_string != nil
        else { throw .validation(field: "plugin", message: "\(origin): its sampler vtable has NULL functions") }
        let shared = StaticVTable(pointer: vtable)
        let results = PluginResults(abiVersion: header.abi_version)
        try SamplerRegistry.shared.register(name: name, origin: origin) { space, algorithm throws(SweepKitError) in
            try PluginSampler(vtable: shared.pointer, name: name, results: results, space: space, algorithm: algorithm)
        }
        loaded.withLock { $0.append(Info(name: name, kind: "sampler", abiVersion: Int(header.abi_version), origin: origin)) }
    }

    /// Registers a policy vtable, checked like a sampler's.
    public static func registerPolicy(_ vtable: UnsafePointer<sk_policy_vtable>, name: String, origin: String) throws(SweepKitError) {
        let header = vtable.pointee.header
        try check(header, kind: SK_PLUGIN_POLICY, size: MemoryLayout<sk_policy_vtable>.size, origin: origin)
        guard vtable.pointee.create != nil, vtable.pointee.evaluate != nil, vtable.pointee.destroy != nil,
            vtable.pointee.free_string != nil
        else { throw .validation(field: "plugin", message: "\(origin): its policy vtable has NULL functions") }
        let shared = StaticVTable(pointer: vtable)
        let results = PluginResults(abiVersion: header.abi_version)
        try PolicyRegistry.shared.register(name: name, origin: origin) { options throws(SweepKitError) in
            try PluginPolicy(vtable: shared.pointer, name: name, results: results, options: options)
        }
        loaded.withLock { $0.append(Info(name: name, kind: "policy", abiVersion: Int(header.abi_version), origin: origin)) }
    }

    private static func check(_ header: sk_plugin_header, kind: sk_plugin_kind, size: Int, origin: String) throws(SweepKitError) {
        let kindName = kind == SK_PLUGIN_SAMPLER ? "sampler" : "policy"
        guard supportedABIVersions.contains(header.abi_version) else {
            throw .validation(field: "plugin", message: "\(origin) was built for plugin ABI version \(header.abi_version); this SweepKit loads versions \(versionList). Rebuild the plugin against this SweepKit")
        }
        guard header.kind == kind.rawValue else {
            throw .validation(field: "plugin", message: "\(origin): its vtable is not a \(kindName) vtable (kind \(header.kind))")
        }
        guard header.struct_size >= UInt32(size) else {
            throw .validation(field: "plugin", message: "\(origin): its \(kindName) vtable is \(header.struct_size) bytes, smaller than version \(header.abi_version)'s \(size)")
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

/// What a plugin's callback results mean, by the plugin ABI version it was built for. Version 2
/// (`sk_plugin_result`): OK, DONE (suggest), STOP (evaluate), ERROR. Version 1 used the same
/// values for suggest, but evaluate returned 1 to stop and 0 to continue.
struct PluginResults: Sendable {
    enum Suggestion { case point, exhausted, failure }
    enum Evaluation { case goOn, stop, failure }

    let abiVersion: UInt32

    func suggestion(_ code: Int32) -> Suggestion {
        switch code {
        case SK_PLUGIN_OK.rawValue: return .point
        case SK_PLUGIN_DONE.rawValue: return .exhausted
        default: return .failure
        }
    }

    func evaluation(_ code: Int32) -> Evaluation {
        if abiVersion == 1 { return code == 0 ? .goOn : code == 1 ? .stop : .failure }
        switch code {
        case SK_PLUGIN_OK.rawValue: return .goOn
        case SK_PLUGIN_STOP.rawValue: return .stop
        default: return .failure
        }
    }
}
