#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import CSweepKit
import SweepKitCAPI

/// Issue 11 through the C ABI: input limits (sk_input_limits, documents, tell messages) and
/// sampler names that sk_spec_normalize resolves.
final class HostileInputCAPITests: XCTestCase {
    let spec = #"{"search_space": {"x": ["uniform", [0, 1]]}, "sampling_algorithm": {"type": "random", "seed": 5}, "objective": {"goal": "minimize", "primary_metric": "loss"}, "limits": {"max_total_trials": 3}}"#

    func lastError() -> String { String(cString: sk_last_error()) }

    func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        defer { sk_free(pointer) }
        return pointer.map { String(cString: $0) } ?? ""
    }

    func withEnvironment(_ name: String, _ value: String, _ body: () -> Void) {
        let saved = getenv(name).map { String(cString: $0) }
        setenv(name, value, 1)
        defer { if let saved { setenv(name, saved, 1) } else { unsetenv(name) } }
        body()
    }

    func testInputLimitsAreReportedWithTheirVariables() throws {
        var out: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(sk_input_limits(&out), SK_OK)
        let text = takeString(out)
        for name in ["SWEEPKIT_MAX_INPUT_BYTES", "SWEEPKIT_MAX_INPUT_DEPTH", "SWEEPKIT_MAX_INPUT_VALUES", "SWEEPKIT_MAX_CHOICE_VALUES", "SWEEPKIT_MAX_MESSAGE_BYTES"] {
            XCTAssertTrue(text.contains(#""environment_variable":"\#(name)""#), name)
        }
        XCTAssertTrue(text.contains(#""max_message_bytes":{"value":65536,"default":65536"#), text)
        withEnvironment("SWEEPKIT_MAX_MESSAGE_BYTES", "oops") {
            XCTAssertEqual(sk_input_limits(&out), SK_INVALID)
            XCTAssertEqual(lastError(), "SWEEPKIT_MAX_MESSAGE_BYTES: expected a whole number from 1 to 2147483647, got 'oops'")
        }
    }

    /// Item 10: unknown sampler names passed sk_spec_normalize.
    func testSpecNormalizeResolvesTheSamplerName() {
        var out: UnsafeMutablePointer<CChar>?
        let unknown = spec.replacingOccurrences(of: #"{"type": "random", "seed": 5}"#, with: #""nosuch""#)
        XCTAssertEqual(sk_spec_normalize(unknown, &out), SK_INVALID)
        XCTAssertTrue(lastError().hasPrefix("sampling_algorithm: unsupported sampling algorithm: nosuch (registered: "), lastError())
        XCTAssertEqual(sk_spec_normalize(spec, &out), SK_OK, lastError())
        sk_free(out)
    }

    func testDocumentsAreBoundedBeforeTheyAreRead() {
        var sweep: OpaquePointer?
        let deep = #"{"search_space": "# + String(repeating: "[", count: 200_000) + "}"
        XCTAssertEqual(sk_sweep_create(deep, &sweep), SK_INVALID)
        XCTAssertEqual(lastError(), "spec_json: nesting at byte 80, over the limit of 64 levels (SWEEPKIT_MAX_INPUT_DEPTH)")
        withEnvironment("SWEEPKIT_MAX_INPUT_BYTES", "100") {
            XCTAssertEqual(sk_sweep_create(spec, &sweep), SK_INVALID)
            XCTAssertEqual(lastError(), "spec_json: more than 100 bytes, over the limit of 100 bytes (SWEEPKIT_MAX_INPUT_BYTES)")
            var out: UnsafeMutablePointer<CChar>?
            XCTAssertEqual(sk_params_flatten(#"{"a": "\#(String(repeating: "x", count: 200))"}"#, &out), SK_INVALID)
            XCTAssertTrue(lastError().hasPrefix("params_json: more than 100 bytes"), lastError())
        }
    }

    /// Messages over the limit are refused, never cut; the trial can still be told.
    func testTellMessagesAreBounded() throws {
        var sweep: OpaquePointer?
        XCTAssertEqual(sk_sweep_create(spec, &sweep), SK_OK, lastError())
        defer { sk_sweep_free(sweep) }
        var number: Int64 = 0
        var params: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(sk_sweep_ask(sweep, &number, &params), SK_OK)
        sk_free(params)
        XCTAssertEqual(sk_sweep_tell(sweep, number, SK_TRIAL_FAILED, .nan, String(repeating: "m", count: 65_537)), SK_INVALID)
        XCTAssertEqual(lastError(), "message: more than 65536 bytes, over the limit of 65536 bytes (SWEEPKIT_MAX_MESSAGE_BYTES)")
        withEnvironment("SWEEPKIT_MAX_MESSAGE_BYTES", "5") {
            XCTAssertEqual(sk_sweep_tell(sweep, number, SK_TRIAL_FAILED, .nan, "123456"), SK_INVALID)
            XCTAssertEqual(sk_sweep_tell(sweep, number, SK_TRIAL_FAILED, .nan, "12345"), SK_OK, lastError())
        }
        var trials: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(sk_sweep_trials(sweep, &trials), SK_OK)
        XCTAssertTrue(takeString(trials).contains(#""message":"12345""#))
    }
}
