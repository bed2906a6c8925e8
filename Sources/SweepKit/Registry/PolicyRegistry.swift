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
        entries.withLock { $0[name.lowercased()] != nil }
    }

    /// The policy object for a validated spec: built-in kinds directly, plugins by name.
    public func makePolicy(for spec: TerminationPolicySpec) throws(SweepKitError) -> any EarlyTerminationPolicy {
        switch spec.kind {
        case .bandit(let factor, let amount): return BanditPolicy(slackFactor: factor, slackAmount: amount)
        case .medianStopping: return MedianStoppingPolicy()
        case .truncationSelection(let percentage, let exclude):
            return TruncationSelectionPolicy(percentage: percentage, excludeFinishedJobs: exclude)
        case .plugin(let name, let options):
            guard let entry = entries.withLock({ $0[name.lowercased()] }) else { throw unknown(name) }
            return try entry.factory(options)
        }
    }

    /// Throws the error `makePolicy` would when `spec` names a policy nobody registered.
    public func requireRegistered(_ spec: TerminationPolicySpec) throws(SweepKitError) {
        if case .plugin(let name, _) = spec.kind, !contains(name) { throw unknown(name) }
    }

    private func unknown(_ name: String) -> SweepKitError {
        .validation(
            field: "early_termination.type",
            message: "Received unsupported value \(name) as the early termination policy; expected bandit, median_stopping, truncation_selection or a plugin policy (registered: \(names.joined(separator: ", ")))")
    }

    public var names: [String] { Self.builtins + entries.withLock { $0.keys.sorted() } }
    public var plugins: [(name: String, origin: String)] {
        entries.withLock { table in table.map { (name: $0.key, origin: $0.value.origin) }.sorted { $0.name < $1.name } }
    }
}
