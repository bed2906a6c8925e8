#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CYaml
import SweepKit
import Yams

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }

/// Reads a YAML file into the engine's `JSONValue`, keeping mapping order (it is part of the
/// semantics: grid order and the dimension order of samplers follow the search-space keys).
///
/// Built from libyaml's events with an explicit stack rather than composed by Yams, so that what
/// a hostile file can cost is bounded while it is read (`InputLimits`): its size before parsing,
/// its nesting depth as it opens (no recursion deeper than the limit anywhere), and its values as
/// they arrive, each alias counted as every value it repeats (an alias bomb stops at the limit
/// instead of expanding to 10⁹ values). Scalars are typed by Yams' YAML 1.1 resolver, as before.
public enum YAMLDocument {
    /// The document in the file at `path` (read up to the size limit, never further).
    public static func read(path: String) throws(SweepKitError) -> JSONValue {
        let limit = try InputLimits.inputBytes.value()
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .validation(field: "--file", message: "cannot read \(path)") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count <= limit {
            let count = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, min($0.count, limit + 1 - bytes.count)) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw .validation(field: "--file", message: "cannot read \(path)") }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        if bytes.count > limit {
            throw InputLimits.inputBytes.exceeded(field: path, "more than \(limit) bytes", limit: limit)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .validation(field: "--file", message: "\(path) is not UTF-8 text")
        }
        return try load(text, file: path)
    }

    /// The document `text` holds; `file` names it in messages.
    public static func load(_ text: String, file: String) throws(SweepKitError) -> JSONValue {
        let limits = try Budget(
            maxBytes: InputLimits.inputBytes.value(), maxDepth: InputLimits.inputDepth.value(),
            maxValues: InputLimits.inputValues.value())
        let bytes = Array(text.utf8)
        if bytes.count > limits.maxBytes {
            throw InputLimits.inputBytes.exceeded(field: file, "\(bytes.count) bytes", limit: limits.maxBytes)
        }
        var composer = Composer(file: file, budget: limits)
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw .internalFailure("cannot initialise the YAML parser") }
        defer { yaml_parser_delete(&parser) }
        return try bytes.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) throws(SweepKitError) -> JSONValue in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { throw .validation(field: "", message: "\(file) is empty") }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, base, buffer.count)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { throw syntaxError(parser, file: file) }
                defer { yaml_event_delete(&event) }
                if let document = try composer.handle(event) { return document }
            }
        }
    }

    static func syntaxError(_ parser: yaml_parser_t, file: String) -> SweepKitError {
        var message = parser.problem.map { String(cString: $0) } ?? "unreadable"
        message += " at line \(parser.problem_mark.line + 1), column \(parser.problem_mark.column + 1)"
        if let context = parser.context.map({ String(cString: $0) }) {
            message += " (\(context) at line \(parser.context_mark.line + 1), column \(parser.context_mark.column + 1))"
        }
        return .validation(field: "", message: "\(file) is not valid YAML: \(message)")
    }

    struct Budget {
        let maxBytes: Int
        let maxDepth: Int
        let maxValues: Int
    }

    /// Turns events into a `JSONValue` with a stack of open mappings and sequences.
    struct Composer {
        let file: String
        let budget: Budget

        enum Content {
            case sequence([JSONValue])
            /// `key`: the key whose value comes next (nil: a key comes next).
            case mapping(JSONObject, key: String?)
        }

        struct Frame {
            var content: Content
            let anchor: String?
            /// Values counted before this node opened (its size is the difference at its end).
            let valuesBefore: Int
        }

        struct Anchored {
            let value: JSONValue
            /// Values it stands for, itself included.
            let size: Int
            /// Its text, when it is a scalar (an alias of it may be a key).
            let scalar: String?
        }

        var stack: [Frame] = []
        var anchors: [String: Anchored] = [:]
        var values = 0
        var document: JSONValue?
        var documentEnded = false

        init(file: String, budget: Budget) {
            self.file = file
            self.budget = budget
        }

        /// Where the next value goes, for messages: `search_space.x.values[2]`.
        var path: String {
            var path = ""
            for frame in stack {
                switch frame.content {
                case .sequence(let items): path += "[\(items.count)]"
                case .mapping(_, let key?): path += path.isEmpty ? key : ".\(key)"
                case .mapping(_, nil): break
                }
            }
            return path
        }

        var field: String { path.isEmpty ? file : path }

        /// `field`, cut short: the path to a value nested too deep is mostly `[0][0][0]...`.
        var shortField: String {
            let field = self.field
            return field.count > 60 ? String(field.prefix(60)) + "..." : field
        }

        mutating func count(_ added: Int, at mark: yaml_mark_t) throws(SweepKitError) {
            values += added
            if values > budget.maxValues {
                throw InputLimits.inputValues.exceeded(
                    field: field, "more than \(budget.maxValues) values by line \(mark.line + 1), column \(mark.column + 1) (aliases count as the values they repeat)",
                    limit: budget.maxValues)
            }
        }

        /// Handles one event; returns the document once the stream ends.
        mutating func handle(_ event: yaml_event_t) throws(SweepKitError) -> JSONValue? {
            let mark = event.start_mark
            switch event.type {
            case YAML_STREAM_START_EVENT, YAML_DOCUMENT_START_EVENT:
                if event.type == YAML_DOCUMENT_START_EVENT, documentEnded {
                    throw .validation(field: "", message: "\(file) holds more than one YAML document (a second one starts at line \(mark.line + 1))")
                }
                return nil
            case YAML_DOCUMENT_END_EVENT:
                documentEnded = true
                return nil
            case YAML_STREAM_END_EVENT:
                guard let document else { throw .validation(field: "", message: "\(file) is empty") }
                return document
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                try count(1, at: mark)
                let tag = scalar.quoted_implicit == 1 ? Tag.Name.str.rawValue : scalar.tag.map { String(cString: $0) } ?? ""
                let value = Self.typed(text, tag: tag)
                if let anchor = scalar.anchor { anchors[String(cString: anchor)] = Anchored(value: value, size: 1, scalar: text) }
                try deliver(value, key: text, at: mark)
            case YAML_ALIAS_EVENT:
                let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
                guard let anchored = anchors[name] else {
                    throw .validation(field: field, message: "\(file): the alias *\(name) at line \(mark.line + 1) refers to no anchor before it")
                }
                try count(anchored.size, at: mark)
                try deliver(anchored.value, key: anchored.scalar, at: mark)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                if case .mapping(_, nil)? = stack.last?.content {
                    throw .validation(field: field, message: "mapping keys must be strings (line \(mark.line + 1), column \(mark.column + 1))")
                }
                if stack.count + 1 > budget.maxDepth {
                    throw InputLimits.inputDepth.exceeded(
                        field: shortField, "nesting at line \(mark.line + 1), column \(mark.column + 1)", limit: budget.maxDepth)
                }
                let isSequence = event.type == YAML_SEQUENCE_START_EVENT
                let anchor = isSequence ? event.data.sequence_start.anchor : event.data.mapping_start.anchor
                stack.append(Frame(content: isSequence ? .sequence([]) : .mapping(JSONObject(), key: nil),
                                   anchor: anchor.map { String(cString: $0) }, valuesBefore: values))
                try count(1, at: mark)
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = stack.popLast() else { return nil }
                let value: JSONValue
                switch frame.content {
                case .sequence(let items): value = .array(items)
                case .mapping(let object, _): value = .object(object)
                }
                if let anchor = frame.anchor { anchors[anchor] = Anchored(value: value, size: values - frame.valuesBefore, scalar: nil) }
                try deliver(value, key: nil, at: mark)
            default:
                return nil
            }
            return nil
        }

        /// A finished value goes to the open sequence or mapping, or becomes the document.
        /// `key`: its text when it may serve as a mapping key (a scalar).
        mutating func deliver(_ value: JSONValue, key: String?, at mark: yaml_mark_t) throws(SweepKitError) {
            guard var frame = stack.popLast() else {
                document = value
                return
            }
            defer { stack.append(frame) }
            switch frame.content {
            case .sequence(var items):
                frame.content = .sequence([])  // keeps `items` uniquely referenced while it grows
                items.append(value)
                frame.content = .sequence(items)
            case .mapping(var object, let pending):
                frame.content = .mapping(JSONObject(), key: nil)
                if let pending {
                    object[pending] = value
                    frame.content = .mapping(object, key: nil)
                } else {
                    guard let key else {
                        frame.content = .mapping(object, key: nil)
                        throw .validation(field: field, message: "mapping keys must be strings (line \(mark.line + 1), column \(mark.column + 1))")
                    }
                    guard object[key] == nil else {
                        let path = self.path
                        throw .validation(field: path.isEmpty ? key : "\(path).\(key)", message: "the key is defined twice (line \(mark.line + 1))")
                    }
                    frame.content = .mapping(object, key: key)
                }
            }
        }

        /// The resolved YAML 1.1 core-schema tag decides: quoted scalars stay strings.
        static func typed(_ text: String, tag: String) -> JSONValue {
            let node = Node.scalar(Node.Scalar(text, Tag(Tag.Name(rawValue: tag))))
            switch node.tag.description {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue: return node.bool.map(JSONValue.bool) ?? .string(text)
            case Tag.Name.int.rawValue: return node.int.map(JSONValue.int) ?? .string(text)
            case Tag.Name.float.rawValue: return node.float.map(JSONValue.double) ?? .string(text)
            default: return .string(text)
            }
        }
    }
}
