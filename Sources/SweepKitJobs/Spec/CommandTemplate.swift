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
/// mappings as compact JSON. In the command line a value is quoted for the shell context it stands
/// in, so it is always one literal piece of text and never runs as a command: a plain word is
/// single-quoted when it is not a plain word already; inside double quotes `\`, `$`, `` ` `` and `"`
/// are escaped; inside single quotes the quote is closed around a single-quoted value. A placeholder
/// inside a command substitution (`$(...)` or backticks) cannot be made safe and is refused when
/// the job is validated. Environment variables get the unquoted text.
public enum CommandTemplate {
    public struct Placeholder: Equatable, Sendable {
        public let namespace: String
        public let key: String
    }

    /// A placeholder whose value cannot be put safely where it stands.
    public struct UnsafePlaceholder: Error, Equatable, CustomStringConvertible, Sendable {
        public let placeholder: String
        public let reason: String
        public var description: String { "${{\(placeholder)}} \(reason)" }
    }

    /// Every placeholder in `command`, in order.
    public static func placeholders(in command: String) -> [Placeholder] {
        tokens(command).compactMap { if case .placeholder(let p, _) = $0 { return p } else { return nil } }
    }

    /// `command` with each placeholder replaced by `transform`'s text, as written: no quoting and
    /// no optional segments (for tools that rewrite a command rather than run it).
    public static func rewritingPlaceholders(in command: String, _ transform: (Placeholder) -> String) -> String {
        tokens(command).map { token in
            switch token {
            case .text(let text): return text
            case .placeholder(let placeholder, _): return transform(placeholder)
            }
        }.joined()
    }

    /// The namespaces the Azure ML SDK still accepts in the deprecated single-brace form.
    public static let singleBraceNamespaces = ["inputs", "outputs", "search_space"]

    /// What the Azure ML SDK says when it upgrades single-brace placeholders.
    public static let singleBraceWarning = "Use of {} for parameters is deprecated, instead use ${{}}."

    /// `command` with every deprecated single-brace placeholder (`{inputs.x}`, `{outputs.x}`,
    /// `{search_space.x}`) written `${{...}}`, as the Azure ML SDK upgrades them before it submits
    /// a job; nil when there is none. A single-brace placeholder is one not inside `{{ }}` (as
    /// the SDK reads them: `{search_space.lr}` but not `${{search_space.lr}}` or `{{inputs.x}}`).
    /// `${{...}}` placeholders are kept exactly as written.
    public static func upgradingSingleBracePlaceholders(in command: String) -> String? {
        var upgraded = false
        let text = tokens(command, singleBrace: true).map { token -> String in
            switch token {
            case .text(let text): return text
            case .placeholder(let placeholder, let raw):
                guard !raw.hasPrefix("${{") else { return raw }
                upgraded = true
                return "${{\(placeholder.namespace).\(placeholder.key)}}"
            }
        }.joined()
        return upgraded ? text : nil
    }

    /// Checks that every placeholder of `command` stands where a value can be substituted safely.
    public static func checkContexts(_ command: String) throws(UnsafePlaceholder) {
        _ = try render(command) { _ in "x" }
    }

    /// The command a trial runs: optional segments resolved, each placeholder replaced by
    /// `lookup`'s text (unquoted; nil means "no value": the enclosing optional segment is dropped,
    /// outside one the placeholder becomes empty), quoted for the shell context it stands in.
    public static func render(_ command: String, lookup: (Placeholder) -> String?) throws(UnsafePlaceholder) -> String {
        // Placeholders become private-use markers, so brackets and quotes are read on plain text.
        let parts = tokens(command)
        var placeholders: [(Placeholder, String)] = []
        var marked = ""
        for part in parts {
            switch part {
            case .text(let text): marked += text
            case .placeholder(let placeholder, let raw):
                marked += "\(markerStart)\(placeholders.count)\(markerEnd)"
                placeholders.append((placeholder, raw))
            }
        }
        let values = placeholders.map { lookup($0.0) }
        let resolved = resolveOptionalSegments(marked, values: values)
        return try quote(resolved, placeholders: placeholders, values: values)
    }

    // MARK: - Reading

    enum Token {
        case text(String)
        case placeholder(Placeholder, raw: String)
    }

    /// The command's text and placeholders. With `singleBrace`, the text between `${{...}}`
    /// placeholders is also read for the deprecated single-brace form (`{inputs.x}`).
    static func tokens(_ command: String, singleBrace: Bool = false) -> [Token] {
        var result: [Token] = []
        func appendText(_ text: Substring) {
            guard !text.isEmpty else { return }
            result += singleBrace ? singleBraceTokens(text) : [.text(String(text))]
        }
        var rest = Substring(command)
        while let start = rest.firstRange(of: "${{"), let end = rest[start.upperBound...].firstRange(of: "}}") {
            let inner = String(rest[start.upperBound..<end.lowerBound]).trimmingWhitespace
            if let dot = inner.firstIndex(of: "."), !inner.contains("{"), !inner.contains("}") {
                appendText(rest[..<start.lowerBound])
                let placeholder = Placeholder(namespace: String(inner[..<dot]), key: String(inner[inner.index(after: dot)...]))
                result.append(.placeholder(placeholder, raw: String(rest[start.lowerBound..<end.upperBound])))
            } else {
                result.append(.text(String(rest[..<end.upperBound])))
            }
            rest = rest[end.upperBound...]
        }
        appendText(rest)
        return result
    }

    /// `{namespace.key}` for the single-brace namespaces, read as the Azure ML SDK reads it: the
    /// opening brace not preceded by `{`, the key running to the first `}`, which is not followed
    /// by another `}`.
    private static func singleBraceTokens(_ text: Substring) -> [Token] {
        var result: [Token] = []
        var textStart = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            defer { if index < text.endIndex { index = text.index(after: index) } }
            guard text[index] == "{", index == text.startIndex || text[text.index(before: index)] != "{" else { continue }
            let afterBrace = text.index(after: index)
            guard let namespace = singleBraceNamespaces.first(where: { text[afterBrace...].hasPrefix("\($0).") }) else { continue }
            let keyStart = text.index(afterBrace, offsetBy: namespace.count + 1)
            guard let close = text[keyStart...].firstIndex(of: "}") else { continue }
            let afterClose = text.index(after: close)
            guard afterClose == text.endIndex || text[afterClose] != "}" else { continue }
            if textStart < index { result.append(.text(String(text[textStart..<index]))) }
            let placeholder = Placeholder(namespace: namespace, key: String(text[keyStart..<close]))
            result.append(.placeholder(placeholder, raw: String(text[index..<afterClose])))
            textStart = afterClose
            index = close
        }
        if textStart < text.endIndex { result.append(.text(String(text[textStart...]))) }
        return result
    }

    private static let markerStart: Character = "\u{E000}"
    private static let markerEnd: Character = "\u{E001}"

    /// `[ ... ]` with placeholders: dropped when one of them has no value, else kept without the
    /// brackets. Brackets without a placeholder inside are ordinary text.
    private static func resolveOptionalSegments(_ text: String, values: [String?]) -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "[") {
            output += rest[..<open]
            guard let close = rest[rest.index(after: open)...].firstIndex(of: "]") else {
                rest = rest[open...]
                break
            }
            let inside = rest[rest.index(after: open)..<close]
            let indices = markerIndices(inside)
            if indices.isEmpty {
                output += "[" + inside + "]"
            } else if indices.allSatisfy({ values[$0] != nil }) {
                output += inside
            }
            rest = rest[rest.index(after: close)...]
        }
        return output + rest
    }

    private static func markerIndices(_ text: Substring) -> [Int] {
        var indices: [Int] = []
        var rest = text
        while let start = rest.firstIndex(of: markerStart), let end = rest[start...].firstIndex(of: markerEnd) {
            if let index = Int(rest[rest.index(after: start)..<end]) { indices.append(index) }
            rest = rest[rest.index(after: end)...]
        }
        return indices
    }

    // MARK: - Quoting by context

    private enum Context { case plain, singleQuoted, doubleQuoted }

    /// Replaces each marker with its value quoted for where it stands, reading the shell's quoting
    /// as bash does: backslash escapes, single and double quotes, `$(` and backticks.
    private static func quote(_ text: String, placeholders: [(Placeholder, String)], values: [String?]) throws(UnsafePlaceholder) -> String {
        var output = ""
        var context = Context.plain
        var substitutionDepth = 0  // inside $( ... ) or ` ... `
        var inBackticks = false
        var characters = text.makeIterator()
        var previous: Character?
        while let character = characters.next() {
            defer { previous = character }
            if character == markerStart {
                var digits = ""
                while let next = characters.next(), next != markerEnd { digits.append(next) }
                guard let index = Int(digits) else { continue }
                let raw = placeholders[index].1
                guard substitutionDepth == 0, !inBackticks else {
                    throw UnsafePlaceholder(placeholder: String(raw.dropFirst(3).dropLast(2)).trimmingWhitespace,
                                            reason: "stands inside a command substitution ($(...) or backticks), where no value can be quoted safely; pass it as an argument or read it from $AZUREML_SWEEP_<name>")
                }
                guard let value = values[index] else { continue }
                guard !value.contains("\u{0}") else {
                    throw UnsafePlaceholder(placeholder: String(raw.dropFirst(3).dropLast(2)).trimmingWhitespace,
                                            reason: "has a value with a NUL character, which no command line can carry")
                }
                switch context {
                case .plain: output += shellQuoted(value)
                case .doubleQuoted: output += escapedForDoubleQuotes(value)
                case .singleQuoted: output += "'" + alwaysQuoted(value) + "'"
                }
                continue
            }
            output.append(character)
            switch context {
            case .singleQuoted:
                if character == "'" { context = .plain }
            case .plain, .doubleQuoted:
                if character == "\\" {
                    if let escaped = characters.next() {
                        output.append(escaped)
                    }
                    continue
                }
                if character == "'" && context == .plain {
                    context = .singleQuoted
                } else if character == "\"" {
                    context = context == .plain ? .doubleQuoted : .plain
                } else if character == "`" {
                    inBackticks.toggle()
                } else if character == "(" && previous == "$" {
                    substitutionDepth += 1
                } else if character == ")" && substitutionDepth > 0 {
                    substitutionDepth -= 1
                }
            }
        }
        return output
    }

    /// `value` quoted for a POSIX shell when it is not a plain word.
    public static func shellQuoted(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".", "/", ":", "=", "+", ",", "@", "%": return true
            default: return false
            }
        }
        return plain ? text : alwaysQuoted(text)
    }

    static func alwaysQuoted(_ text: String) -> String {
        "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    static func escapedForDoubleQuotes(_ text: String) -> String {
        var output = ""
        for character in text {
            if character == "\\" || character == "$" || character == "`" || character == "\"" { output.append("\\") }
            output.append(character)
        }
        return output
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
}
