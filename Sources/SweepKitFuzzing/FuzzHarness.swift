import SweepKit
import SweepKitJobs
import SweepKitYAML

/// The fuzzers' bodies: each takes arbitrary bytes and drives one reader the way users' input
/// reaches it. `fuzz/` runs them under libFuzzer (one executable each); the tests replay every
/// input kept in `fuzz/regressions/<harness>/`. A harness traps only on a real bug: a crash inside
/// the engine, or a broken invariant checked here (a value that does not survive its own JSON, a
/// spec whose canonical form reads differently, a C call whose output is not JSON).
public enum FuzzHarness: String, CaseIterable, Sendable {
    /// `JSONParser` and `JSONWriter`: with the structural bounds and with the input limits.
    case json
    /// `SweepSpec(json:)` (search spaces, samplers, policies) and a few trials of the sweep.
    case spec
    /// The CLI's sweep-file reader: YAML → JSON → sweep job → sweep.
    case yaml
    /// The journal reader: lines → events → replayed job state → report.
    case journal
    /// The C ABI: a program of sk_* calls read from the bytes.
    case capi

    public func run(_ data: UnsafeRawBufferPointer) {
        switch self {
        case .json: Self.json(data)
        case .spec: Self.spec(data)
        case .yaml: Self.yaml(data)
        case .journal: Self.journal(data)
        case .capi:
            var program = CAPIProgram(data)
            program.run()
        }
    }

    public func run(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { run($0) }
    }

    static func text(_ data: UnsafeRawBufferPointer) -> String {
        String(decoding: data, as: UTF8.self)
    }

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("fuzz invariant broken: \(message())") }
    }

    static func json(_ data: UnsafeRawBufferPointer) {
        let text = text(data)
        if let value = try? JSONParser.parse(text) {
            // What the writer writes, the parser reads back as the same text.
            let written = value.jsonText
            guard let again = try? JSONParser.parse(written) else { return check(false, "unreadable output \(written)") }
            check(again.jsonText == written, "\(written) came back as \(again.jsonText)")
        }
        _ = try? JSONValue(parsingInput: text, field: "fuzz")
    }

    static func spec(_ data: UnsafeRawBufferPointer) {
        guard let spec = try? SweepSpec(jsonText: text(data)) else { return }
        // The canonical form is a fixed point: read again, it says the same.
        let canonical = spec.json.jsonText
        guard let again = try? SweepSpec(jsonText: canonical) else { return check(false, "canonical spec refused: \(canonical)") }
        check(again.json.jsonText == canonical, "\(canonical) normalised to \(again.json.jsonText)")
        let yamlForm = spec.searchSpace.json(form: .yaml)
        check((try? SearchSpace(json: yamlForm)) == spec.searchSpace, "the YAML form \(yamlForm.jsonText) reads differently")
        exercise(spec)
    }

    /// A few trials of a valid spec, every state and report on the way.
    static func exercise(_ spec: SweepSpec) {
        var spec = spec
        spec.limits.timeout = nil
        guard let sweep = try? Sweep(spec: spec) else { return }
        for round in 0..<3 {
            guard let trial = try? sweep.ask() else { return }
            _ = try? sweep.report(trial.number, value: Double(round))
            _ = try? sweep.report(trial.number, value: -Double(round) * 0.5)
            let state: TrialState = [.completed, .failed, .canceled][round]
            _ = try? sweep.tell(trial.number, value: Double(round) * 0.25, state: state, message: "fuzz")
            _ = JSONValue.object(trial.params).jsonText
        }
        _ = sweep.best
        _ = sweep.trials.map(\.json)
    }

    static func yaml(_ data: UnsafeRawBufferPointer) {
        guard let text = String(validating: data.bindMemory(to: UInt8.self), as: UTF8.self),
            let document = try? YAMLDocument.load(text, file: "fuzz.yml")
        else { return }
        _ = document.jsonText
        guard let resolved = try? SweepJobSpec.resolvingSweepFile(document, path: "/fuzz/sweep.yml") else { return }
        var object = resolved
        if object["experiment_name"] == nil { object["experiment_name"] = "fuzz" }
        guard let job = try? SweepJobSpec(json: .object(object)) else { return }
        _ = job.json.jsonText
        exercise(job.sweep)
    }

    static func journal(_ data: UnsafeRawBufferPointer) {
        var entries: [JournalEntry] = []
        var damaged = 0
        let text = text(data)
        for line in text.split(separator: "\n") {
            do {
                if let entry = try JournalCodec.decode(line) {
                    entries.append(entry)
                    // An event written again decodes to itself.
                    let written = JournalCodec.encode(entry)
                    check((try? JournalCodec.decode(Substring(written)))?.map(JournalCodec.encode) == written, "\(written) does not read back")
                }
            } catch {
                damaged += error.reason.isEmpty ? 0 : 1
            }
        }
        let state = JobState(replaying: entries)
        _ = JobReport(state: state, engineRunning: false).json.jsonText
        _ = damaged
    }
}
