import XCTest
import CSweepKit
import SweepKitCAPI

/// The C API as a C caller sees it: status codes, the last-error message, ownership of strings,
/// and no crash on bad input.
final class CAPITests: XCTestCase {
    let spec = #"{"search_space": {"x": ["uniform", [0, 1]], "c": ["choice", [["a", "b"]]]}, "sampling_algorithm": {"type": "random", "seed": 5}, "objective": {"goal": "maximize", "primary_metric": "acc"}, "limits": {"max_total_trials": 3}}"#

    func lastError() -> String { String(cString: sk_last_error()) }

    func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        defer { sk_free(pointer) }
        return pointer.map { String(cString: $0) } ?? ""
    }

    func testAskTellBestThroughTheCAPI() throws {
        XCTAssertEqual(sk_abi_version(), SK_ABI_VERSION)
        var sweep: OpaquePointer?
        XCTAssertEqual(sk_sweep_create(spec, &sweep), SK_OK, lastError())
        defer { sk_sweep_free(sweep) }
        var number: Int64 = -1
        var params: UnsafeMutablePointer<CChar>?
        var values: [Double] = []
        while true {
            let status = sk_sweep_ask(sweep, &number, &params)
            if status == SK_DONE { break }
            XCTAssertEqual(status, SK_OK, lastError())
            XCTAssertTrue(takeString(params).hasPrefix(#"{"x":"#))
            values.append(Double(number) / 10)
            XCTAssertEqual(sk_sweep_tell(sweep, number, SK_TRIAL_COMPLETED, Double(number) / 10, nil), SK_OK, lastError())
        }
        XCTAssertEqual(values.count, 3)
        var best: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(sk_sweep_best(sweep, &best), SK_OK)
        XCTAssertTrue(takeString(best).contains(#""number":2"#))
        var reason: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(sk_sweep_finish_reason(sweep, &reason), SK_OK)
        XCTAssertEqual(takeString(reason), "max_total_trials (3) reached")
    }

    func testInvalidSpecsAreStatusCodesWithMessages() {
        let catalogue: [(String, sk_status, String)] = [
            ("not json", SK_INVALID, "invalid JSON"),
            (#"{"search_space": {"x": ["uniform", [2, 1]]}, "objective": {"goal": "minimize"}}"#, SK_INVALID, "search_space.x: uniform expects min_value < max_value"),
            (#"{"search_space": {"x": ["normal", [0, 1]]}, "objective": {"goal": "minimize"}, "sampling_algorithm": "grid"}"#, SK_INVALID, "grid sampling supports only choice"),
            (#"{"search_space": {"x": ["normal", [0, 1]]}, "objective": {"goal": "minimize"}, "sampling_algorithm": {"type": "random", "seed": "x"}}"#, SK_INVALID, "sampling_algorithm.seed"),
        ]
        for (json, status, message) in catalogue {
            var sweep: OpaquePointer?
            XCTAssertEqual(sk_sweep_create(json, &sweep), status, json)
            XCTAssertNil(sweep)
            XCTAssertTrue(lastError().contains(message), "\(json): \(lastError())")
        }
    }

    func testNullAndFreedHandlesAreMisuseNotCrashes() {
        var number: Int64 = 0
        var out: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(sk_sweep_ask(nil, &number, &out), SK_MISUSE)
        XCTAssertTrue(lastError().contains("not a live sweep handle"))
        XCTAssertEqual(sk_sweep_create(nil, nil), SK_MISUSE)
        var sweep: OpaquePointer?
        XCTAssertEqual(sk_sweep_create(spec, &sweep), SK_OK)
        XCTAssertEqual(sk_sweep_ask(sweep, nil, nil), SK_MISUSE)
        sk_sweep_free(sweep)
        sk_sweep_free(sweep)  // a second free is ignored
        XCTAssertEqual(sk_sweep_ask(sweep, &number, &out), SK_MISUSE)
        XCTAssertEqual(sk_sweep_tell(sweep, 0, SK_TRIAL_COMPLETED, 1, nil), SK_MISUSE)
        XCTAssertEqual(sk_space_normalize("{}", sk_space_form(rawValue: 7), &out), SK_MISUSE)
    }

    func testTellRejectsUnknownTrialsStatesAndNonFiniteValues() {
        var sweep: OpaquePointer?
        XCTAssertEqual(sk_sweep_create(spec, &sweep), SK_OK)
        defer { sk_sweep_free(sweep) }
        var number: Int64 = 0
        var params: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(sk_sweep_ask(sweep, &number, &params), SK_OK)
        sk_free(params)
        XCTAssertEqual(sk_sweep_tell(sweep, 42, SK_TRIAL_COMPLETED, 1, nil), SK_MISUSE)
        XCTAssertEqual(sk_sweep_tell(sweep, Int64.min, SK_TRIAL_COMPLETED, 1, nil), SK_MISUSE)
        XCTAssertEqual(sk_sweep_tell(sweep, number, sk_trial_state(rawValue: 77), 1, nil), SK_MISUSE)
        XCTAssertEqual(sk_sweep_tell(sweep, number, SK_TRIAL_COMPLETED, .infinity, nil), SK_INVALID)
        XCTAssertEqual(sk_sweep_tell(sweep, number, SK_TRIAL_FAILED, .nan, "boom"), SK_OK)
        var best: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(sk_sweep_best(sweep, &best), SK_DONE)
    }

    func testSpaceNormalizeConvertsBetweenForms() {
        var out: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(sk_space_normalize(#"{"lr": {"type": "uniform", "min_value": 0.1, "max_value": 1}}"#, SK_SPACE_WIRE, &out), SK_OK)
        XCTAssertEqual(takeString(out), #"{"lr":["uniform",[0.1,1]]}"#)
        XCTAssertEqual(sk_space_normalize(#"{"lr": ["quniform", [1, 10, 2]]}"#, SK_SPACE_YAML, &out), SK_OK)
        XCTAssertEqual(takeString(out), #"{"lr":{"type":"quniform","min_value":1,"max_value":10,"q":2}}"#)
    }

    func testLastErrorIsPerThread() {
        var out: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(sk_spec_normalize("nope", &out), SK_INVALID)
        let mine = lastError()
        let other = expectation(description: "other thread")
        Thread.detachNewThread {
            XCTAssertEqual(String(cString: sk_last_error()), "")
            other.fulfill()
        }
        wait(for: [other], timeout: 5)
        XCTAssertEqual(lastError(), mine)
    }
}
