import SweepKit
import SweepKitJobs
import SweepKitRunner
import SweepKitPlatform
import Yams

/// Reads a YAML file into the engine's `JSONValue`, keeping mapping order (it is part of the
/// semantics: grid order and the dimension order of samplers follow the search-space keys).
enum YAMLDocument {
    static func load(_ text: String, file: String) throws -> JSONValue {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw SweepKitError.validation(field: "", message: "\(file) is not valid YAML: \(error)")
        }
        guard let node else { throw SweepKitError.validation(field: "", message: "\(file) is empty") }
        return try json(node)
    }

    static func json(_ node: Node) throws -> JSONValue {
        switch node {
        case .scalar:
            // The resolved YAML 1.1 core-schema tag decides: quoted scalars stay strings.
            switch node.tag.description {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue: return node.bool.map(JSONValue.bool) ?? .string(node.string ?? "")
            case Tag.Name.int.rawValue: return node.int.map(JSONValue.int) ?? .string(node.string ?? "")
            case Tag.Name.float.rawValue: return node.float.map(JSONValue.double) ?? .string(node.string ?? "")
            default: return .string(node.string ?? "")
            }
        case .sequence(let sequence):
            return .array(try sequence.map(json))
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping {
                guard let name = key.string else { throw SweepKitError.validation(field: "", message: "mapping keys must be strings") }
                guard object[name] == nil else { throw SweepKitError.validation(field: name, message: "the key is defined twice") }
                object[name] = try json(value)
            }
            return .object(object)
        }
    }
}
