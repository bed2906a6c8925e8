import SweepKit
import CSweepKit

// The plugin part of sweepkit.h.

@_cdecl("sk_plugin_load")
public func skPluginLoad(_ path: UnsafePointer<CChar>?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let info = try PluginLoader.load(path: requireString(path, "path"))
        if let out { try output(info.json.jsonText, to: out) }
        return SK_OK
    }
}

@_cdecl("sk_plugin_register_sampler")
public func skPluginRegisterSampler(_ vtable: UnsafePointer<sk_sampler_vtable>?, _ origin: UnsafePointer<CChar>?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        guard let vtable else { throw .misuse("vtable must not be NULL") }
        guard vtable.pointee.header.abi_version == UInt32(SK_PLUGIN_ABI_VERSION),
            vtable.pointee.header.struct_size >= UInt32(MemoryLayout<sk_sampler_vtable>.size),
            vtable.pointee.header.kind == SK_PLUGIN_SAMPLER.rawValue
        else { throw .validation(field: "plugin", message: "the vtable is not a version \(SK_PLUGIN_ABI_VERSION) sampler vtable") }
        let origin = origin.map { String(cString: $0) } ?? "registered"
        let name = try PluginLoader.validName(vtable.pointee.header.name, path: origin)
        try PluginLoader.registerSampler(vtable, name: name, origin: origin)
        return SK_OK
    }
}

@_cdecl("sk_plugins")
public func skPlugins(_ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        try output(PluginCatalog.json.jsonText, to: out)
        return SK_OK
    }
}
