import Synchronization

/// Early-termination policies from plugins, by name (the built-in bandit, median_stopping and
/// truncation_selection are reserved names and are part of `TerminationPolicySpec`).
public final class PolicyRegistry: Sendable {
    public typealias Factory = @Sendable (JSONObject) throws(SweepKitError) -> any EarlyTerminationPolicy

    public static let shared = PolicyRegistry()
    static let builtins = ["bandit", "median_stopping", "truncation_selection"]

    private let entries = Mutex<[String: (origin: String, factory: Factory)]>([:])

    public func register(name: String, origin: String, factory: @escaping Factory) throws(SweepKitError) {
        let key = name.lowercased()
        if Self.builtins.contains(key) || TerminationPolicySpec.canonicalType(key) != nil {
            throw .validation(field: "name", message: "a policy named '\(key)' is already registered (builtin)")
        }
        let existing: String? = entries.withLock { table in
            if let entry = table[key] { return entry.origin }
            table[key] = (origin, factory)
            return nil
        }
        if let existing { throw .validation(field: "name", message: "a policy named '\(key)' is already registered (\(existing))") }
    }

    public func contains(_ name: String) -> Bool {
        PluginLoader.loadEnvironmentOnce()
        return entries.withLock { $0[name.lowercased()] != nil }
    }

    public func makePolicy(name: String, options: JSONObject) throws(SweepKitError) -> any EarlyTerminationPolicy {
        guard let entry = entries.withLock({ $0[name.lowercased()] }) else {
            throw .validation(field: "early_termination.type", message: "no policy named '\(name)' is registered")
        }
        return try entry.factory(options)
    }

    public var names: [String] { Self.builtins + entries.withLock { $0.keys.sorted() } }
    public var plugins: [(name: String, origin: String)] {
        entries.withLock { table in table.map { (name: $0.key, origin: $0.value.origin) }.sorted { $0.name < $1.name } }
    }
}
