import SweepKit
import SweepKitJobs
import CSweepKit

// Sweep files and trial commands, as the engine reads them.

@_cdecl("sk_job_file_resolve")
public func skJobFileResolve(_ documentJSON: UnsafePointer<CChar>?, _ path: UnsafePointer<CChar>?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let document = try requireDocument(documentJSON, "document_json")
        let resolved = try SweepJobSpec.resolvingSweepFile(document, path: requireString(path, "path"))
        try output(JSONValue.object(resolved).jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_job_file_read")
public func skJobFileRead(_ documentJSON: UnsafePointer<CChar>?, _ path: UnsafePointer<CChar>?, _ overridesJSON: UnsafePointer<CChar>?,
                          _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let document = try requireDocument(documentJSON, "document_json")
        let list = try requireDocument(overridesJSON, "overrides_json")
        guard let items = list.array, items.allSatisfy({ $0.object != nil }) else {
            throw .validation(field: "params_override", message: "must be a list of {\"dotted.path\": value} mappings, got \(list.typeName)")
        }
        let overrides = items.flatMap { item in (item.object ?? JSONObject()).map { (path: $0.key, value: $0.value) } }
        let read = try SweepJobSpec.readingSweepFile(document, path: requireString(path, "path"), overrides: overrides)
        let answer: JSONObject = ["document": .object(read.document), "warnings": .array(read.warnings.map(JSONValue.string))]
        try output(JSONValue.object(answer).jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_command_upgrade")
public func skCommandUpgrade(_ command: UnsafePointer<CChar>?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let text = try requireString(command, "command")
        let upgraded = CommandTemplate.upgradingSingleBracePlaceholders(in: text)
        let warnings: [JSONValue] = upgraded == nil ? [] : [.string(CommandTemplate.singleBraceWarning)]
        try output(JSONValue.object(["command": .string(upgraded ?? text), "warnings": .array(warnings)]).jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_command_sweep_inputs")
public func skCommandSweepInputs(_ command: UnsafePointer<CChar>?, _ namesJSON: UnsafePointer<CChar>?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let text = try requireString(command, "command")
        let list = try requireDocument(namesJSON, "names_json")
        guard let items = list.array, items.allSatisfy({ $0.string != nil }) else {
            throw .validation(field: "names", message: "must be a list of input names, got \(list.typeName)")
        }
        try output(SweptCommand.pointingInputsAtSearchSpace(text, names: Set(items.compactMap(\.string))), to: out)
        return SK_OK
    }
}

/// Rewrites placeholders with the engine's own template reader (`CommandTemplate`), so a command
/// means the same thing when it is rewritten and when it runs.
enum SweptCommand {
    static func pointingInputsAtSearchSpace(_ command: String, names: Set<String>) -> String {
        CommandTemplate.rewritingPlaceholders(in: command) { placeholder in
            let namespace = placeholder.namespace == "inputs" && names.contains(placeholder.key) ? "search_space" : placeholder.namespace
            return "${{\(namespace).\(placeholder.key)}}"
        }
    }
}
