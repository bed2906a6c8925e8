#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSweepKit
import SweepKit
import SweepKitCAPI

/// The C ABI harness: the bytes are a program of sk_* calls (create, ask, tell, report, free,
/// queries, the stateless functions, handles that are NULL, freed or made up, NULL outputs),
/// executed as a C caller would. Checked on every call: the status is one of sk_status; a failure
/// has a message; every string returned is valid JSON where the header promises JSON.
struct CAPIProgram {
    private var bytes: [UInt8]
    private var position = 0
    private var sweeps: [OpaquePointer?] = []

    init(_ data: UnsafeRawBufferPointer) {
        bytes = Array(data)
    }

    /// Specs the program starts sweeps from (the bytes pick one, or give their own text).
    static let templates = [
        #"{"search_space": {"x": ["uniform", [0, 1]], "c": ["choice", [["a", "b"]]]}, "sampling_algorithm": {"type": "random", "seed": 5}, "objective": {"goal": "maximize", "primary_metric": "acc"}, "limits": {"max_total_trials": 6}}"#,
        #"{"search_space": {"a": ["choice", [[1, 2, 3]]], "m": ["choice", [[{"k": "lin"}, {"k": "rbf", "g": ["choice", [[0.1, 1]]]}]]]}, "sampling_algorithm": "grid", "objective": {"goal": "minimize", "primary_metric": "loss"}}"#,
        #"{"search_space": {"lr": ["loguniform", [-6, -1]], "n": ["randint", [5]], "q": ["qnormal", [0, 1, 0.5]]}, "sampling_algorithm": {"type": "random", "rule": "sobol", "seed": 1}, "objective": {"goal": "minimize", "primary_metric": "loss"}, "limits": {"max_total_trials": 8, "max_concurrent_trials": 2}, "early_termination": {"type": "bandit", "slack_factor": 0.1, "evaluation_interval": 1}}"#,
        #"{"search_space": {"x": ["uniform", [-1, 1]], "y": ["quniform", [0, 10, 1]]}, "sampling_algorithm": {"type": "bayesian", "seed": 3}, "objective": {"goal": "maximize", "primary_metric": "acc"}, "limits": {"max_total_trials": 14}, "early_termination": {"type": "median_stopping", "delay_evaluation": 1}}"#,
        #"{"search_space": {"x": ["normal", [0, 1]]}, "objective": {"goal": "minimize", "primary_metric": "m"}, "early_termination": {"type": "truncation_selection", "truncation_percentage": 50}}"#,
    ]

    private mutating func byte() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func integer() -> Int64 {
        var value: UInt64 = 0
        for _ in 0..<8 { value = value << 8 | UInt64(byte() ?? 0) }
        return Int64(bitPattern: value)
    }

    /// Small numbers usually (trial numbers near the ones asked), extreme ones sometimes.
    private mutating func number() -> Int64 {
        let selector = byte() ?? 0
        switch selector % 8 {
        case 0: return integer()
        case 1: return -Int64(selector / 8)
        default: return Int64(selector / 8)
        }
    }

    private mutating func double() -> Double {
        let selector = byte() ?? 0
        switch selector % 8 {
        case 0: return Double(bitPattern: UInt64(bitPattern: integer()))
        case 1: return .nan
        case 2: return [.infinity, -.infinity, .greatestFiniteMagnitude, -0.0][Int(selector / 8) % 4]
        default: return Double(Int(selector) - 128) / 7
        }
    }

    /// A text of up to 255 bytes from the program (NUL bytes end it early, as in C).
    private mutating func text() -> [CChar] {
        let length = Int(byte() ?? 0)
        var text: [CChar] = []
        for _ in 0..<length {
            guard let b = byte() else { break }
            text.append(CChar(bitPattern: b))
        }
        return text + [0]
    }

    /// A sweep handle: one made here (live or freed), NULL, or a value never handed out.
    private mutating func handle() -> OpaquePointer? {
        let selector = Int(byte() ?? 0)
        if selector >= 250 { return OpaquePointer(bitPattern: UInt(truncatingIfNeeded: integer())) }
        if selector >= 240 || sweeps.isEmpty { return nil }
        return sweeps[selector % sweeps.count]
    }

    private func checkStatus(_ status: sk_status, _ call: String) {
        FuzzHarness.check(status.rawValue <= SK_INTERNAL.rawValue, "\(call) returned \(status.rawValue)")
        if status != SK_OK && status != SK_DONE {
            FuzzHarness.check(sk_last_error().pointee != 0, "\(call) failed without a message")
        }
    }

    /// Frees a returned string; checks that it is JSON when `json`.
    private func take(_ out: UnsafeMutablePointer<CChar>?, json: Bool, _ call: String) {
        guard let out else { return }
        defer { sk_free(out) }
        if json {
            let text = String(cString: out)
            FuzzHarness.check((try? JSONParser.parse(text)) != nil, "\(call) returned \(text), not JSON")
        }
    }

    /// A call that writes one string: `status` and the string, checked and freed.
    private func stringCall(_ call: String, json: Bool = true, nullOut: Bool = false,
                            _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> sk_status) {
        var out: UnsafeMutablePointer<CChar>?
        let status = nullOut ? body(nil) : body(&out)
        checkStatus(status, call)
        take(status == SK_OK ? out : nil, json: json, call)
    }

    mutating func run() {
        var steps = 0
        while let op = byte(), steps < 64 {
            steps += 1
            step(op)
        }
        for sweep in sweeps { sk_sweep_free(sweep) }
    }

    private mutating func step(_ op: UInt8) {
        switch op % 20 {
        case 0, 1:
            var sweep: OpaquePointer?
            let index = Int(byte() ?? 0)
            let status = Self.templates[index % Self.templates.count].withCString { sk_sweep_create($0, &sweep) }
            checkStatus(status, "sk_sweep_create")
            if status == SK_OK { sweeps.append(sweep) }
        case 2:
            var sweep: OpaquePointer?
            let spec = text()
            let status = sk_sweep_create(spec, &sweep)
            checkStatus(status, "sk_sweep_create")
            if status == SK_OK { sweeps.append(sweep) }
        case 3, 4, 5:
            let sweep = handle()
            var number: Int64 = 0
            var params: UnsafeMutablePointer<CChar>?
            let nullOut = (byte() ?? 0) >= 250
            let status = nullOut ? sk_sweep_ask(sweep, nil, nil) : sk_sweep_ask(sweep, &number, &params)
            checkStatus(status, "sk_sweep_ask")
            take(status == SK_OK ? params : nil, json: true, "sk_sweep_ask")
        case 6, 7, 8:
            let sweep = handle(), number = number()
            let state = sk_trial_state(rawValue: UInt32(byte() ?? 0) % 6)
            let value = double()
            let withMessage = (byte() ?? 0) % 2 == 0
            let message = text()
            let status = withMessage ? sk_sweep_tell(sweep, number, state, value, message) : sk_sweep_tell(sweep, number, state, value, nil)
            checkStatus(status, "sk_sweep_tell")
        case 9, 10:
            let sweep = handle(), number = number(), value = double()
            var stop: Int32 = 0
            var decision: UnsafeMutablePointer<CChar>?
            let status = sk_sweep_report(sweep, number, value, &stop, &decision)
            checkStatus(status, "sk_sweep_report")
            take(status == SK_OK ? decision : nil, json: true, "sk_sweep_report")
        case 11:
            sk_sweep_free(handle())
        case 12:
            let sweep = handle()
            let nullOut = (byte() ?? 0) >= 240
            switch (byte() ?? 0) % 5 {
            case 0: stringCall("sk_sweep_best", nullOut: nullOut) { sk_sweep_best(sweep, $0) }
            case 1: stringCall("sk_sweep_trials", nullOut: nullOut) { sk_sweep_trials(sweep, $0) }
            case 2: stringCall("sk_sweep_decisions", nullOut: nullOut) { sk_sweep_decisions(sweep, $0) }
            case 3: stringCall("sk_sweep_spec", nullOut: nullOut) { sk_sweep_spec(sweep, $0) }
            default: stringCall("sk_sweep_finish_reason", json: false, nullOut: nullOut) { sk_sweep_finish_reason(sweep, $0) }
            }
        case 13:
            let spec = text()
            stringCall("sk_spec_normalize") { sk_spec_normalize(spec, $0) }
            stringCall("sk_spec_advice") { sk_spec_advice(spec, $0) }
        case 14:
            let space = text()
            let form = sk_space_form(rawValue: UInt32(byte() ?? 0) % 3)
            stringCall("sk_space_normalize") { sk_space_normalize(space, form, $0) }
        case 15:
            let params = text()
            stringCall("sk_params_flatten") { sk_params_flatten(params, $0) }
            let command = text(), names = text()
            stringCall("sk_command_sweep_inputs", json: false) { sk_command_sweep_inputs(command, names, $0) }
        case 16:
            let document = text(), path = text()
            stringCall("sk_job_file_resolve") { sk_job_file_resolve(document, path, $0) }
            let name = text()
            var state = SK_TRIAL_RUNNING
            checkStatus(sk_trial_state_from_name(name, &state), "sk_trial_state_from_name")
        case 17:
            // Sizes kept small so a run stays fast; the size checks themselves are in the tests.
            let dimension = UInt32(byte() ?? 0) % 24, n = UInt32(byte() ?? 0) % 40
            let mode = sk_sobol_mode(rawValue: UInt32(byte() ?? 0) % 3)
            var points = [Double](repeating: 0, count: Int(dimension * n))
            let status = points.withUnsafeMutableBufferPointer { sk_sobol_points(dimension, n, mode, integer(), $0.baseAddress) }
            checkStatus(status, "sk_sobol_points")
            if status == SK_OK { FuzzHarness.check(points.allSatisfy { $0 >= 0 && $0 < 1 }, "a Sobol coordinate outside [0, 1)") }
        case 18:
            stringCall("sk_input_limits") { sk_input_limits($0) }
            stringCall("sk_samplers") { sk_samplers($0) }
            stringCall("sk_job_vocabulary") { sk_job_vocabulary($0) }
        default:
            // A whole in-process sweep through one handle: ask, report, tell until it is over.
            guard let sweep = handle() else { return }
            for _ in 0..<4 {
                var number: Int64 = 0
                var params: UnsafeMutablePointer<CChar>?
                let status = sk_sweep_ask(sweep, &number, &params)
                checkStatus(status, "sk_sweep_ask")
                take(status == SK_OK ? params : nil, json: true, "sk_sweep_ask")
                guard status == SK_OK else { return }
                var stop: Int32 = 0
                checkStatus(sk_sweep_report(sweep, number, double(), &stop, nil), "sk_sweep_report")
                checkStatus(sk_sweep_tell(sweep, number, stop == 1 ? SK_TRIAL_CANCELED : SK_TRIAL_COMPLETED, double(), nil), "sk_sweep_tell")
            }
        }
    }
}
