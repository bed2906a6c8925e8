@_exported import SweepKitJSON

extension JSONValue {
    /// Parses JSON text; malformed text is `SweepKitError.invalidJSON` with the byte offset.
    public init(parsing text: String) throws(SweepKitError) {
        do {
            self = try JSONParser.parse(text)
        } catch {
            throw .invalidJSON(error.message)
        }
    }
}
