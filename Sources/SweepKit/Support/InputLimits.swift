#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bounds on what users hand the engine, so hostile or mistaken input is a validation error
/// instead of a crash, an endless computation or gigabytes of memory. Each has a default and an
/// environment variable that overrides it (read at every check, so a change applies at once); the
/// README's "Limits" section lists them. A violation names the field and the limit:
/// `search_space.x.values: 1000000 values, over the limit of 100000 (SWEEPKIT_MAX_CHOICE_VALUES)`.
///
/// Where they apply: the JSON the C API (hence Python) takes and the YAML the CLI reads (bytes,
/// depth, values); every search space (choice values); `tell` messages through the C API.
/// Internal files the engine writes itself (journals, reports) are read with the JSON parser's
/// structural depth bound only, so lowering a limit never makes an existing job unreadable.
public struct InputLimit: Sendable, Equatable {
    /// The key in `sk_input_limits` and in messages (`max_input_depth`).
    public let name: String
    public let environmentVariable: String
    public let defaultValue: Int
    /// The largest value the variable may be set to (the depth is bounded by the stack).
    public let ceiling: Int
    /// What is counted, plural (`levels`, `bytes`).
    public let unit: String
    public let summary: String

    /// The value in force: the environment's, else the default. A variable that is set but not a
    /// whole number from 1 to `ceiling` is an error naming it, never silently ignored.
    public func value() throws(SweepKitError) -> Int {
        guard let raw = getenv(environmentVariable).map({ String(cString: $0) }) else { return defaultValue }
        let text = raw.trimmingWhitespace
        guard let value = Int(text), value >= 1, value <= ceiling else {
            throw .validation(field: environmentVariable, message: "expected a whole number from 1 to \(ceiling), got '\(raw)'")
        }
        return value
    }

    /// The error for input over this limit; `detail` says what was found (`70000 bytes`).
    public func exceeded(field: String, _ detail: String, limit: Int) -> SweepKitError {
        .validation(field: field, message: "\(detail), over the limit of \(limit) \(unit) (\(environmentVariable))")
    }

    /// Throws `exceeded` when `count` is over the limit in force.
    public func check(_ count: Int, field: String, _ detail: @autoclosure () -> String) throws(SweepKitError) {
        let limit = try value()
        if count > limit { throw exceeded(field: field, detail(), limit: limit) }
    }
}

public enum InputLimits {
    /// One YAML or JSON document: a spec, a sweep job, a sweep file.
    public static let inputBytes = InputLimit(
        name: "max_input_bytes", environmentVariable: "SWEEPKIT_MAX_INPUT_BYTES", defaultValue: 16 << 20,
        ceiling: Int(Int32.max), unit: "bytes", summary: "size of one YAML or JSON document (a sweep file, a spec, a job)")
    /// Nested mappings and lists. The ceiling keeps every recursive reader far from the end of a
    /// thread's stack (and is the JSON parser's own structural bound).
    public static let inputDepth = InputLimit(
        name: "max_input_depth", environmentVariable: "SWEEPKIT_MAX_INPUT_DEPTH", defaultValue: 64,
        ceiling: JSONParser.Limits.structural.maxDepth, unit: "levels", summary: "nesting depth of mappings and lists in one document")
    /// Values (scalars, mappings, lists) in one document, a YAML alias counting as every value it
    /// repeats: what bounds an alias bomb.
    public static let inputValues = InputLimit(
        name: "max_input_values", environmentVariable: "SWEEPKIT_MAX_INPUT_VALUES", defaultValue: 1_000_000,
        ceiling: Int(Int32.max), unit: "values", summary: "values in one document, each YAML alias counted as the values it repeats")
    /// Values of one `choice` (its list or range).
    public static let choiceValues = InputLimit(
        name: "max_choice_values", environmentVariable: "SWEEPKIT_MAX_CHOICE_VALUES", defaultValue: 100_000,
        ceiling: Int(Int32.max), unit: "values", summary: "values of one choice")
    /// The message of a `tell` (why a trial failed or was canceled).
    public static let messageBytes = InputLimit(
        name: "max_message_bytes", environmentVariable: "SWEEPKIT_MAX_MESSAGE_BYTES", defaultValue: 64 << 10,
        ceiling: Int(Int32.max), unit: "bytes", summary: "message of a tell (why a trial failed or was canceled)")

    /// A job's `code` folder, copied into every trial (Azure caps its snapshots at 300 MB).
    public static let codeMegabytes = InputLimit(
        name: "max_code_megabytes", environmentVariable: "SWEEPKIT_CODE_MAX_MB", defaultValue: 300,
        ceiling: 1 << 20, unit: "MB", summary: "size of a job's code folder, copied into every trial")
    /// Files in a job's `code` folder (Azure caps its snapshots at 2000 files).
    public static let codeFiles = InputLimit(
        name: "max_code_files", environmentVariable: "SWEEPKIT_CODE_MAX_FILES", defaultValue: 2000,
        ceiling: Int(Int32.max), unit: "files", summary: "files in a job's code folder")
    /// A trial's stdout.txt or stderr.txt: past it the middle is cut, the head and tail kept.
    public static let trialOutputMegabytes = InputLimit(
        name: "max_trial_output_megabytes", environmentVariable: "SWEEPKIT_TRIAL_OUTPUT_MAX_MB", defaultValue: 64,
        ceiling: 1 << 20, unit: "MB", summary: "each of a trial's stdout and stderr files (the middle is cut, head and tail kept)")

    public static let all = [inputBytes, inputDepth, inputValues, choiceValues, messageBytes, codeMegabytes, codeFiles, trialOutputMegabytes]

    /// Checks every variable that is set, so a mistyped limit is refused when a job is submitted
    /// rather than ignored later by the engine.
    public static func checkEnvironment() throws(SweepKitError) {
        for limit in all { _ = try limit.value() }
    }

    /// The JSON parser's bounds for one user document.
    public static func jsonLimits() throws(SweepKitError) -> JSONParser.Limits {
        JSONParser.Limits(maxDepth: try inputDepth.value(), maxValues: try inputValues.value(), maxBytes: try inputBytes.value())
    }

    /// Every limit with its value in force, as `sk_input_limits` reports them.
    public static func json() throws(SweepKitError) -> JSONValue {
        var object = JSONObject()
        for limit in all {
            object[limit.name] = [
                "value": .int(try limit.value()), "default": .int(limit.defaultValue),
                "environment_variable": .string(limit.environmentVariable), "unit": .string(limit.unit),
                "summary": .string(limit.summary),
            ]
        }
        return .object(object)
    }
}

extension JSONValue {
    /// Parses a user's JSON document (`field` names it in errors) within `InputLimits`: its size,
    /// depth and number of values. Malformed text is `invalidJSON`; a limit is a validation error.
    public init(parsingInput text: String, field: String) throws(SweepKitError) {
        let limits = try InputLimits.jsonLimits()
        do {
            self = try JSONParser.parse(text, limits: limits)
        } catch {
            switch error.exceededLimit {
            case .bytes?: throw InputLimits.inputBytes.exceeded(field: field, "\(text.utf8.count) bytes", limit: limits.maxBytes)
            case .depth?: throw InputLimits.inputDepth.exceeded(field: field, "nesting at byte \(error.offset)", limit: limits.maxDepth)
            case .values?:
                throw InputLimits.inputValues.exceeded(field: field, "more than \(limits.maxValues) values (at byte \(error.offset))", limit: limits.maxValues)
            case nil: throw .invalidJSON(error.message)
            }
        }
    }
}
