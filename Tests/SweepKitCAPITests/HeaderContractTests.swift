import XCTest
import CSweepKit
import SweepKitCAPI

/// The promises of sweepkit.h that are about the contract rather than about sweeps: handles that
/// stay dead, sizes checked before arithmetic, the finish-reason convention, the vocabulary, and
/// the engine helpers bindings call instead of re-deriving them.
final class HeaderContractTests: XCTestCase {
    let spec = #"{"search_space": {"x": ["uniform", [0, 1]]}, "sampling_algorithm": {"type": "random", "seed": 3}, "objective": {"goal": "minimize"}, "limits": {"max_total_trials": 2}}"#

    func lastError() -> String { String(cString: sk_last_error()) }

    func take(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        defer { sk_free(pointer) }
        return pointer.map { String(cString: $0) }
    }

    func json(_ text: String?) throws -> Any {
        try JSONSerialization.jsonObject(with: Data((text ?? "null").utf8), options: [.fragmentsAllowed])
    }

    // MARK: handles

    /// Freed sweeps' memory is reused by the allocator at once (the same size of object is created
    /// next), which brought an address-keyed handle back to life; ids never come back.
    func testFreedHandlesStayMisuseWhileNewSweepsAreCreated() {
        var freed: [OpaquePointer] = []
        var seen = Set<UInt>()
        var number: Int64 = 0
        var params: UnsafeMutablePointer<CChar>?
        for cycle in 0..<200 {
            var sweep: OpaquePointer?
            XCTAssertEqual(sk_sweep_create(spec, &sweep), SK_OK, lastError())
            guard let sweep else { return XCTFail("no handle") }
            XCTAssertTrue(seen.insert(UInt(bitPattern: sweep)).inserted, "cycle \(cycle): a handle value came back")
            XCTAssertEqual(sk_sweep_ask(sweep, &number, &params), SK_OK, lastError())
            sk_free(params)
            for old in freed {
                XCTAssertEqual(sk_sweep_ask(old, &number, &params), SK_MISUSE, "cycle \(cycle): a freed handle answered")
                XCTAssertEqual(sk_sweep_tell(old, 0, SK_TRIAL_COMPLETED, 1, nil), SK_MISUSE)
            }
            sk_sweep_free(sweep)
            sk_sweep_free(sweep)  // twice: ignored
            freed.append(sweep)
        }
        XCTAssertTrue(lastError().contains("not a live sweep handle"), lastError())
    }

    func testForeignPointersAreNotHandles() {
        var number: Int64 = 0
        var params: UnsafeMutablePointer<CChar>?
        let memory = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)
        defer { memory.deallocate() }
        memory.initializeMemory(as: UInt8.self, repeating: 0xAB, count: 64)
        XCTAssertEqual(sk_sweep_ask(OpaquePointer(memory), &number, &params), SK_MISUSE)
        XCTAssertEqual(sk_sweep_ask(OpaquePointer(bitPattern: 0x1235), &number, &params), SK_MISUSE)
        sk_sweep_free(OpaquePointer(memory))  // not ours: ignored, no crash
    }

    // MARK: Sobol sizes

    func testSobolSizesAreCheckedBeforeAnyArithmeticOrWrite() {
        var small = [Double](repeating: -1, count: 8)
        let huge: [(UInt32, UInt32)] = [(1024, .max), (.max, .max), (.max, 1), (2, SK_SOBOL_MAX_VALUES / 2 + 1), (1, SK_SOBOL_MAX_VALUES + 1)]
        for (dimension, n) in huge {
            XCTAssertEqual(sk_sobol_points(dimension, n, SK_SOBOL_PLAIN, 0, &small), SK_INVALID, "\(dimension) x \(n)")
            XCTAssertFalse(lastError().isEmpty)
        }
        XCTAssertTrue(small.allSatisfy { $0 == -1 }, "nothing is written when the size is refused")
        XCTAssertEqual(sk_sobol_points(0, 1, SK_SOBOL_PLAIN, 0, &small), SK_INVALID)
        XCTAssertEqual(sk_sobol_points(1025, 1, SK_SOBOL_PLAIN, 0, &small), SK_INVALID)
        XCTAssertEqual(sk_sobol_points(2, 2, sk_sobol_mode(rawValue: 7), 0, &small), SK_MISUSE)
        XCTAssertEqual(sk_sobol_points(2, 2, SK_SOBOL_PLAIN, 0, nil), SK_MISUSE)
        XCTAssertEqual(sk_sobol_points(2, 4, SK_SOBOL_PLAIN, 0, &small), SK_OK, lastError())
        XCTAssertEqual(Array(small.prefix(8)), [0, 0, 0.5, 0.5, 0.75, 0.25, 0.25, 0.75])
        XCTAssertEqual(sk_sobol_points(2, 4, SK_SOBOL_SCRAMBLED, 9, &small), SK_OK, lastError())
        XCTAssertNotEqual(Array(small.prefix(2)), [0, 0])
    }

    // MARK: finish reason

    func testFinishReasonIsOKWithNullWhileTheSweepGoesOn() throws {
        var sweep: OpaquePointer?
        XCTAssertEqual(sk_sweep_create(spec, &sweep), SK_OK, lastError())
        defer { sk_sweep_free(sweep) }
        var reason: UnsafeMutablePointer<CChar>? = strdup("sentinel")
        sk_free(reason)
        XCTAssertEqual(sk_sweep_finish_reason(sweep, &reason), SK_OK)
        XCTAssertNil(reason, "not over: NULL")
        var number: Int64 = 0
        var params: UnsafeMutablePointer<CChar>?
        while sk_sweep_ask(sweep, &number, &params) == SK_OK {
            sk_free(params)
            XCTAssertEqual(sk_sweep_finish_reason(sweep, &reason), SK_OK)
            XCTAssertNil(reason)
            XCTAssertEqual(sk_sweep_tell(sweep, number, SK_TRIAL_COMPLETED, 1, nil), SK_OK)
        }
        XCTAssertEqual(sk_sweep_finish_reason(sweep, &reason), SK_OK)
        XCTAssertEqual(take(reason), "max_total_trials (2) reached")
        XCTAssertEqual(sk_sweep_finish_reason(sweep, nil), SK_MISUSE)
    }

    // MARK: vocabulary and helpers

    func testVocabularyComesFromTheEngineEnums() throws {
        var out: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(sk_job_vocabulary(&out), SK_OK, lastError())
        let vocabulary = try XCTUnwrap(try json(take(out)) as? [String: Any])
        XCTAssertEqual(vocabulary["job_statuses"] as? [String], ["NotStarted", "Running", "NotResponding", "Completed", "Failed", "Canceled"])
        XCTAssertEqual(vocabulary["finished_job_statuses"] as? [String], ["Completed", "Failed", "Canceled"])
        XCTAssertEqual(vocabulary["stopped_job_statuses"] as? [String], ["NotResponding", "Completed", "Failed", "Canceled"])
        XCTAssertEqual(vocabulary["trial_states"] as? [String], ["Running", "Completed", "Failed", "Canceled"])
        XCTAssertEqual((vocabulary["job_status_cases"] as? [String: String])?["notResponding"], "NotResponding")
        XCTAssertEqual((vocabulary["trial_state_cases"] as? [String: String])?["canceled"], "Canceled")
        XCTAssertEqual(vocabulary["trial_state_codes"] as? [String: Int],
                       ["Running": Int(SK_TRIAL_RUNNING.rawValue), "Completed": Int(SK_TRIAL_COMPLETED.rawValue),
                        "Failed": Int(SK_TRIAL_FAILED.rawValue), "Canceled": Int(SK_TRIAL_CANCELED.rawValue)])
    }

    func testTrialStateNamesAreReadByTheEngine() {
        var state = SK_TRIAL_RUNNING
        for (name, expected) in [("completed", SK_TRIAL_COMPLETED), ("Failed", SK_TRIAL_FAILED), ("cancelled", SK_TRIAL_CANCELED),
                                 ("pruned", SK_TRIAL_CANCELED)] {
            XCTAssertEqual(sk_trial_state_from_name(name, &state), SK_OK, name)
            XCTAssertEqual(state, expected, name)
        }
        XCTAssertEqual(sk_trial_state_from_name("bogus", &state), SK_INVALID)
        XCTAssertEqual(lastError(), "state: expected one of completed, failed, canceled, got 'bogus'")
        XCTAssertEqual(sk_trial_state_from_name(nil, &state), SK_MISUSE)
    }

    func testParamsAreFlattenedByTheEngine() {
        var out: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(sk_params_flatten(#"{"lr": 0.1, "m": {"kernel": "rbf", "inner": {"d": 2}}}"#, &out), SK_OK, lastError())
        XCTAssertEqual(take(out), #"{"lr":0.1,"m.kernel":"rbf","m.inner.d":2}"#)
        XCTAssertEqual(sk_params_flatten("[1]", &out), SK_INVALID)
    }

    func testSweptInputsPointAtTheSearchSpaceAndOptionalSegmentsStay() {
        var out: UnsafeMutablePointer<CChar>?
        let command = "python t.py ${{ inputs.rate }} ${{inputs.data}} [--opt ${{inputs.o}}] [literal] ${{outputs.m}} ${{odd}}"
        XCTAssertEqual(sk_command_sweep_inputs(command, #"["rate", "o"]"#, &out), SK_OK, lastError())
        XCTAssertEqual(take(out), "python t.py ${{search_space.rate}} ${{inputs.data}} [--opt ${{search_space.o}}] [literal] ${{outputs.m}} ${{odd}}")
        XCTAssertEqual(sk_command_sweep_inputs(command, #"{"rate": 1}"#, &out), SK_INVALID)
    }

    func testSweepFilePathsResolveAgainstTheFilesFolder() throws {
        var out: UnsafeMutablePointer<CChar>?
        let document = #"{"type": "sweep", "compute": "azureml:gpu", "trial": {"code": "../src", "command": "x"}, "plugins": ["p/a.so", "/abs/b.so"]}"#
        XCTAssertEqual(sk_job_file_resolve(document, "/work/jobs/sweep.yml", &out), SK_OK, lastError())
        let resolved = try XCTUnwrap(try json(take(out)) as? [String: Any])
        XCTAssertEqual((resolved["trial"] as? [String: Any])?["code"] as? String, "/work/src")
        XCTAssertEqual(resolved["plugins"] as? [String], ["/work/jobs/p/a.so", "/abs/b.so"])
        XCTAssertEqual(resolved["compute"] as? String, "gpu")
        XCTAssertEqual(sk_job_file_resolve(#"{"type": "command"}"#, "/x.yml", &out), SK_INVALID)
        XCTAssertTrue(lastError().contains("Unsupported job type"), lastError())
    }

    func testSweepFilesAreReadWithOverridesAndWarnings() throws {
        var out: UnsafeMutablePointer<CChar>?
        let document = #"{"type": "sweep", "trial": {"code": "../src", "command": "python t.py {search_space.x}"}, "limits": {"max_total_trials": 5}}"#
        let overrides = #"[{"limits.max_total_trials": 9, "trial.code": "src"}, {"tags.team": "a"}]"#
        XCTAssertEqual(sk_job_file_read(document, "/work/jobs/sweep.yml", overrides, &out), SK_OK, lastError())
        let answer = try XCTUnwrap(try json(take(out)) as? [String: Any])
        let read = try XCTUnwrap(answer["document"] as? [String: Any])
        XCTAssertEqual((read["trial"] as? [String: Any])?["code"] as? String, "/work/jobs/src")
        XCTAssertEqual((read["trial"] as? [String: Any])?["command"] as? String, "python t.py ${{search_space.x}}")
        XCTAssertEqual((read["limits"] as? [String: Any])?["max_total_trials"] as? Int, 9)
        XCTAssertEqual((read["tags"] as? [String: Any])?["team"] as? String, "a")
        XCTAssertEqual(answer["warnings"] as? [String], ["trial.command: Use of {} for parameters is deprecated, instead use ${{}}."])
        XCTAssertEqual(sk_job_file_read(document, "/x.yml", #"{"limits.max_total_trials": 9}"#, &out), SK_INVALID)
        XCTAssertEqual(sk_job_file_read(document, "/x.yml", #"[{"trial.command.x": 1}]"#, &out), SK_INVALID)
        XCTAssertTrue(lastError().contains("Cannot use '--set' on properties defined by reference strings"), lastError())
    }

    func testSingleBracePlaceholdersAreUpgradedByTheEngine() throws {
        var out: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(sk_command_upgrade("python t.py {inputs.a} ${{ search_space.b }}", &out), SK_OK, lastError())
        XCTAssertEqual(try json(take(out)) as? NSDictionary, [
            "command": "python t.py ${{inputs.a}} ${{ search_space.b }}",
            "warnings": ["Use of {} for parameters is deprecated, instead use ${{}}."]])
        XCTAssertEqual(sk_command_upgrade("python t.py ${{inputs.a}}", &out), SK_OK, lastError())
        XCTAssertEqual(try json(take(out)) as? NSDictionary, ["command": "python t.py ${{inputs.a}}", "warnings": []])
        XCTAssertEqual(sk_command_upgrade(nil, &out), SK_MISUSE)
    }
}
