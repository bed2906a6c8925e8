/// The names users select samplers and policies by: `[a-z][a-z0-9_]*`, at most 64 characters.
/// Checked when a spec is parsed (syntax only) and when a plugin registers (so both agree).
public enum PluginName {
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.first.map { ("a"..."z").contains($0) } == true
            && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
