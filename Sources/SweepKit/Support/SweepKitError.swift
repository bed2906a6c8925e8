/// Every error the engine reports. Messages are written for the user: they name the field
/// (`search_space.lr`, `limits.max_total_trials`, ...) and the rule that was broken.
public enum SweepKitError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The spec is well-formed JSON but breaks a rule; `field` is a dotted path into the spec.
    case validation(field: String, message: String)
    /// The spec text is not JSON.
    case invalidJSON(String)
    /// The caller used the API out of order (e.g. `tell` for a trial that was never asked).
    case misuse(String)
    /// A feature that exists in the API but not in this build (e.g. a sampler whose issue is open).
    case unavailable(String)
    /// A plugin or sampler failed while the sweep ran.
    case internalFailure(String)

    public var description: String {
        switch self {
        case .validation(let field, let message): return field.isEmpty ? message : "\(field): \(message)"
        case .invalidJSON(let message): return "invalid JSON: \(message)"
        case .misuse(let message): return message
        case .unavailable(let message): return message
        case .internalFailure(let message): return message
        }
    }
}
