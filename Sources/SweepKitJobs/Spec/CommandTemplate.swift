import SweepKit
/// Substitutes the placeholders of a trial command.
///
/// - `${{search_space.x}}` (also `${{ search_space.x }}`): the trial's value of x; nested values of a
///   conditional choice by dotted name (`${{search_space.model.gamma}}`), the whole dict as JSON.
/// - `${{inputs.x}}`: a literal input (or a data input's path); for a swept name, the trial's value.
/// - `${{outputs.x}}`: `outputs/x` in the trial's working directory.
/// - `[ ... ${{inputs.x}} ... ]`: an optional segment, dropped when x has no value.
///
/// Formatting (documented in the README): strings as they are; integers in decimal; floats in
/// Python's `repr` form (`0.1`, `1e-05`); booleans `True`/`False` (Python's `str`); lists and
/// mappings as compact JSON. In the command line, a value that is not a plain word is single-quoted
/// for the shell; environment variables get the unquoted text.
public enum CommandTemplate {
    public struct Placeholder: Equatable, Sendable {
        public let namespace: String
        public let key: String
    }

    /// Every placeholder in `command`, in order.
    public static func placeholders(in command: String) -> [Placeholder] {
        var found: [Placeholder] = []
        _ = render(command) { placeholder in found.append(placeholder); return "" }
        return found
    }

    /// Replaces each placeholder with `lookup(placeholder)` (already formatted); `nil` means "no
    /// value": the enclosing optional segment is dropped, outside one the placeholder becomes empty.
    public static func render(_ command: String, lookup: (Placeholder) -> String?) -> String {
        var output = ""
        var rest = Substring(command)
        while let open = rest.firstRange(of: "[") {
            output += substitute(rest[..<open.lowerBound], lookup: lookup).text
            guard let close = rest[open.upperBound...].firstIndex(of: "]") else {
                rest = rest[open.lowerBound...]
                break
            }
            let segment = substitute(rest[open.upperBound..<close], lookup: lookup)
            if segment.placeholders == 0 {
                output += "[" + segment.text + "]"
            } else if !segment.missing {
                output += segment.text
            }
            rest = rest[rest.index(after: close)...]
        }
        output += substitute(rest, lookup: lookup).text
        return output
    }

    private static func substitute(_ text: Substring, lookup: (Placeholder) -> String?) -> (text: String, placeholders: Int, missing: Bool) {
        var output = ""
        var rest = text
        var count = 0
        var missing = false
        while let start = rest.firstRange(of: "${{") {
            guard let end = rest[start.upperBound...].firstRange(of: "}}") else { break }
            output += rest[..<start.lowerBound]
            let inner = String(rest[start.upperBound..<end.lowerBound]).trimmingWhitespace
            if let dot = inner.firstIndex(of: ".") {
                count += 1
                let placeholder = Placeholder(namespace: String(inner[..<dot]), key: String(inner[inner.index(after: dot)...]))
                if let value = lookup(placeholder) { output += value } else { missing = true }
            } else {
                output += rest[start.lowerBound..<end.upperBound]
            }
            rest = rest[end.upperBound...]
        }
        output += rest
        return (output, count, missing)
    }

    /// The text of a value as a trial receives it; nil for null.
    public static func format(_ value: JSONValue) -> String? {
        switch value {
        case .null: return nil
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return pythonRepr(d)
        case .string(let s): return s
        case .array, .object: return value.jsonText
        }
    }

    /// Python's float repr: Swift's shortest round-trip digits, in Python's spelling.
    public static func pythonRepr(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return d.description
    }

    /// `value` quoted for a POSIX shell when it is not a plain word.
    public static func shellQuoted(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".", "/", ":", "=", "+", ",", "@", "%": return true
            default: return false
            }
        }
        return plain ? text : "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
