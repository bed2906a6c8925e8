import Synchronization

/// Samplers by name. Built-in samplers are registered here exactly like plugins, and the engine
/// only ever creates samplers through it, so it never knows which algorithm it drives.
public final class SamplerRegistry: Sendable {
    public typealias Factory = @Sendable (SearchSpace, SamplingAlgorithm) throws(SweepKitError) -> any Sampler

    public struct Entry: Sendable {
        public let name: String
        /// `builtin`, or where a plugin came from.
        public let origin: String
        let factory: Factory
    }

    public static let shared = SamplerRegistry(registeringBuiltins: true)

    private let entries = Mutex<[String: Entry]>([:])

    public init(registeringBuiltins: Bool) {
        guard registeringBuiltins else { return }
        for (name, factory) in Self.builtins { try? register(name: name, origin: "builtin", factory: factory) }
    }

    private static let builtins: [(String, Factory)] = [
        (RandomSampler.name, { space, algorithm throws(SweepKitError) in
            RandomSampler(dimension: space.dimension, seed: UInt64(bitPattern: Int64(algorithm.seed ?? 0)))
        }),
        (SobolSampler.name, { space, algorithm throws(SweepKitError) in
            try SobolSampler(dimension: space.dimension, seed: algorithm.seed.map { UInt64(bitPattern: Int64($0)) })
        }),
        (GridSampler.name, { space, _ throws(SweepKitError) in try GridSampler(space: space) }),
        (BayesianSampler.name, { space, algorithm throws(SweepKitError) in
            try BayesianSampler(space: space, seed: UInt64(bitPattern: Int64(algorithm.seed ?? 0)),
                                logBase: algorithm.logBase ?? SearchSpace.naturalLogBase)
        }),
    ]

    /// Adds a sampler. A name that is already taken is an error, never a silent replacement.
    public func register(name: String, origin: String, factory: @escaping Factory) throws(SweepKitError) {
        let key = name.lowercased()
        let existing: Entry? = entries.withLock { table in
            if let existing = table[key] { return existing }
            table[key] = Entry(name: key, origin: origin, factory: factory)
            return nil
        }
        if let existing {
            throw .validation(field: "name", message: "a sampler named '\(key)' is already registered (\(existing.origin))")
        }
    }

    public func makeSampler(for algorithm: SamplingAlgorithm, space: SearchSpace) throws(SweepKitError) -> any Sampler {
        let name = algorithm.samplerName
        guard let entry = entries.withLock({ $0[name] }) else { throw unknown(name) }
        return try entry.factory(space, algorithm)
    }

    /// Throws the error `makeSampler` would for a name nobody registered.
    public func requireRegistered(_ name: String) throws(SweepKitError) {
        guard entries.withLock({ $0[name.lowercased()] != nil }) else { throw unknown(name) }
    }

    private func unknown(_ name: String) -> SweepKitError {
        .validation(field: "sampling_algorithm", message: "unsupported sampling algorithm: \(name) (registered: \(names.joined(separator: ", ")))")
    }

    public var names: [String] { entries.withLock { $0.keys.sorted() } }
    public var all: [Entry] { entries.withLock { $0.values.sorted { $0.name < $1.name } } }
}
