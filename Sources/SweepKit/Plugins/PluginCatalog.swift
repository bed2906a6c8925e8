import CSweepKit

/// Every sampler and policy the engine can use, built-in or from a plugin (`sweepkit plugins list`).
public enum PluginCatalog {
    public static var json: JSONValue {
        PluginLoader.loadEnvironmentOnce()
        let loaded = PluginLoader.all
        func abi(_ origin: String) -> JSONValue {
            loaded.first { $0.origin == origin }.map { .int($0.abiVersion) } ?? .int(Int(SK_PLUGIN_ABI_VERSION))
        }
        var items: [JSONValue] = SamplerRegistry.shared.all.map {
            ["name": .string($0.name), "kind": "sampler", "origin": .string($0.origin), "abi_version": abi($0.origin)]
        }
        items += PolicyRegistry.builtins.map { ["name": .string($0), "kind": "policy", "origin": "builtin", "abi_version": .int(Int(SK_PLUGIN_ABI_VERSION))] }
        items += PolicyRegistry.shared.plugins.map {
            ["name": .string($0.name), "kind": "policy", "origin": .string($0.origin), "abi_version": abi($0.origin)]
        }
        var catalog: JSONObject = ["plugins": .array(items)]
        let problems = PluginLoader.environmentProblems
        if !problems.isEmpty { catalog["problems"] = .array(problems.map(JSONValue.string)) }
        return .object(catalog)
    }
}
