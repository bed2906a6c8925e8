/// Whether the primary metric should be maximised or minimised.
public enum Goal: String, Sendable, Equatable {
    case maximize
    case minimize

    public init(json: JSONValue?, field: String) throws(SweepKitError) {
        guard let text = json?.string, let goal = Goal(rawValue: text.lowercased()) else {
            let given = json.map { $0.jsonText } ?? "nothing"
            throw .validation(field: field, message: "Value \(given) passed is not in set ['minimize', 'maximize']")
        }
        self = goal
    }

    /// True when `a` is strictly better than `b`.
    public func isBetter(_ a: Double, than b: Double) -> Bool {
        self == .maximize ? a > b : a < b
    }
}
