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

@_cdecl("sk_plugin_register")
public func skPluginRegister(_ entry: sk_plugin_entry?, _ origin: UnsafePointer<CChar>?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        guard let entry else { throw .misuse("entry must not be NULL") }
        let info = try PluginLoader.register(entry: entry, origin: origin.map { String(cString: $0) } ?? "registered")
        if let out { try output(info.json.jsonText, to: out) }
        return SK_OK
    }
}

@_cdecl("sk_plugin_register_sampler")
public func skPluginRegisterSampler(_ vtable: UnsafePointer<sk_sampler_vtable>?, _ origin: UnsafePointer<CChar>?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        guard let vtable else { throw .misuse("vtable must not be NULL") }
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
