/// Malformed JSON, or JSON over one of the parser's limits: what is wrong and the byte offset
/// where it was found.
public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Which of `JSONParser.Limits` the text went over.
    public enum Limit: Sendable, Equatable { case bytes, depth, values }

    public let message: String
    /// Set when the text may well be valid JSON but is over a limit; nil when it is malformed.
    public let exceededLimit: Limit?
    /// The byte offset where the problem was found.
    public let offset: Int

    public init(message: String, exceededLimit: Limit? = nil, offset: Int = 0) {
        self.message = message
        self.exceededLimit = exceededLimit
        self.offset = offset
    }

    public var description: String { message }
}

/// Parses JSON text into a `JSONValue`, keeping object key order and the integer/float distinction.
///
/// Written for the engine rather than taken from Foundation: it keeps key order, reports the byte
/// offset of a syntax error, and never traps on malformed input (it crosses the C ABI). The
/// recursion is bounded by `Limits.maxDepth`, whatever the input.
public struct JSONParser {
    /// Bounds on one document. `structural` is what every parse gets (files the engine wrote
    /// itself); users' documents get the tighter `InputLimits` of the engine.
    public struct Limits: Sendable, Equatable {
        /// Nested arrays and objects; never more than `structural.maxDepth`, which bounds the stack.
        public var maxDepth: Int
        /// Values in the document (scalars, arrays and objects).
        public var maxValues: Int
        /// UTF-8 bytes of the text.
        public var maxBytes: Int

        public init(maxDepth: Int, maxValues: Int = .max, maxBytes: Int = .max) {
            self.maxDepth = min(maxDepth, 512)
            self.maxValues = maxValues
            self.maxBytes = maxBytes
        }

        public static let structural = Limits(maxDepth: 512)
    }

    private let bytes: [UInt8]
    private let limits: Limits
    private var index = 0
    private var depth = 0
    private var values = 0

    public static func parse(_ text: String, limits: Limits = .structural) throws(JSONSyntaxError) -> JSONValue {
        let size = text.utf8.count
        guard size <= limits.maxBytes else {
            throw JSONSyntaxError(message: "\(size) bytes of JSON, more than \(limits.maxBytes)", exceededLimit: .bytes)
        }
        var parser = JSONParser(bytes: Array(text.utf8), limits: limits)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    private init(bytes: [UInt8], limits: Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    private func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: "\(message) at byte \(index)", offset: index)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    private mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of input") }
        values += 1
        if values > limits.maxValues {
            throw JSONSyntaxError(message: "more than \(limits.maxValues) values at byte \(index)", exceededLimit: .values, offset: index)
        }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "N"): try expectLiteral("NaN"); return .double(.nan)
        case UInt8(ascii: "I"): try expectLiteral("Infinity"); return .double(.infinity)
        default: return try parseNumber()
        }
    }

    private mutating func expectLiteral(_ literal: String) throws(JSONSyntaxError) {
        for byte in literal.utf8 {
            guard index < bytes.count, bytes[index] == byte else { throw error("invalid literal") }
            index += 1
        }
    }

    private mutating func enterContainer() throws(JSONSyntaxError) {
        depth += 1
        if depth > limits.maxDepth {
            throw JSONSyntaxError(message: "nesting deeper than \(limits.maxDepth) levels at byte \(index)", exceededLimit: .depth, offset: index)
        }
    }

    private mutating func parseObject() throws(JSONSyntaxError) -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        index += 1
        var object = JSONObject()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue()
            if object[key] != nil { throw error("duplicate key '\(key)'") }
            object[key] = value
            skipWhitespace()
            guard index < bytes.count else { throw error("unterminated object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
            throw error("expected ',' or '}'")
        }
    }

    private mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw error("unterminated list") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            throw error("expected ',' or ']'")
        }
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\u escape")
            }
            code = code * 16 + digit
            index += 1
        }
        return code
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1  // opening quote
        var utf8: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: utf8, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                index += 1
                guard index < bytes.count else { break }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""): utf8.append(0x22)
                case UInt8(ascii: "\\"): utf8.append(0x5C)
                case UInt8(ascii: "/"): utf8.append(0x2F)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try parseHex4()
                    if (0xD800..<0xDC00).contains(code), index + 1 < bytes.count,
                        bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                    {
                        index += 2
                        let low = try parseHex4()
                        if (0xDC00..<0xE000).contains(low) {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            throw error("invalid surrogate pair")
                        }
                    }
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    utf8.append(contentsOf: Array(String(scalar).utf8))
                default: throw error("invalid escape")
                }
                continue
            }
            if byte < 0x20 { throw error("control character in string") }
            utf8.append(byte)
            index += 1
        }
        throw error("unterminated string")
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONValue {
        let start = index
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "I") {
                try expectLiteral("Infinity")
                return .double(-.infinity)
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                index += 1
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
            {
                isInteger = false
                index += 1
            } else {
                break
            }
        }
        guard index > start else { throw error("unexpected character") }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let integer = Int(text) { return .int(integer) }
        guard let double = Double(text) else { throw error("invalid number '\(text)'") }
        return .double(double)
    }
}
