/// Turns a parsed spec into the objects that run it. Parsing a spec never loads code; this is the
/// one place that does: the plugin libraries named by `SWEEPKIT_PLUGIN_PATH` and by the spec's
/// owner (a sweep job's `plugins`) are loaded here, then the sampler and the policy are resolved
/// by name in their registries.
public enum EngineAssembly {
    /// Loads `libraries` (absolute paths; each file once per process) and the environment's plugins.
    /// A library that cannot be loaded is a validation error naming `field[index]`.
    public static func loadPlugins(_ libraries: [String], field: String = "plugins") throws(SweepKitError) {
        PluginLoader.loadEnvironmentOnce()
        for (index, path) in libraries.enumerated() {
            do { try PluginLoader.load(path: path) } catch {
                throw .validation(field: "\(field)[\(index)]", message: "\(error)")
            }
        }
    }

    /// Checks that the sampler and the policy a spec names exist, with the environment's plugins
    /// loaded (what `sk_spec_normalize` does after parsing, which itself never loads anything).
    public static func resolveNames(_ spec: SweepSpec) throws(SweepKitError) {
        PluginLoader.loadEnvironmentOnce()
        try SamplerRegistry.shared.requireRegistered(spec.samplingAlgorithm.samplerName)
        if let policy = spec.earlyTermination { try PolicyRegistry.shared.requireRegistered(policy) }
    }

    /// The sampler for a spec whose defaults are decided (see `SweepSpec.decidingDefaults`).
    static func makeSampler(_ spec: SweepSpec) throws(SweepKitError) -> any Sampler {
        PluginLoader.loadEnvironmentOnce()
        return try SamplerRegistry.shared.makeSampler(for: spec.samplingAlgorithm, space: spec.searchSpace)
    }

    static func makePolicy(_ spec: SweepSpec) throws(SweepKitError) -> (any EarlyTerminationPolicy)? {
        guard let policy = spec.earlyTermination else { return nil }
        PluginLoader.loadEnvironmentOnce()
        return try PolicyRegistry.shared.makePolicy(for: policy)
    }
}
