import SweepKit

/// A job's trial command with one trial's values substituted: the command line a trial runs,
/// computed here for the engine and for anyone who wants to show it (the C API).
public enum CommandRendering {
    public static func render(spec: SweepJobSpec, params: JSONObject) throws(CommandTemplate.UnsafePlaceholder) -> String {
        let flat = Trial.flatten(params)
        return try CommandTemplate.render(spec.trial.command) { placeholder in
            let value: JSONValue?
            switch placeholder.namespace {
            case "search_space":
                value = params[placeholder.key] ?? flat[placeholder.key]
            case "inputs":
                if let swept = params[placeholder.key] {
                    value = swept
                } else if case .object(let data)? = spec.inputs[placeholder.key] {
                    value = data["path"]
                } else {
                    value = spec.inputs[placeholder.key]
                }
            case "outputs":
                value = .string("outputs/\(placeholder.key)")
            default:
                value = nil
            }
            return value.flatMap(CommandTemplate.format)
        }
    }
}
