import XCTest
import CSweepKit
import SweepKitCAPI

// Plugins as a C plugin author writes them, in both ABI versions: plain vtables and entry
// functions, no SweepPluginKit. Version 1 is what a plugin built against the previous header
// (SK_PLUGIN_ABI_VERSION 1) hands the host: the same layout, but evaluate returns 1 to stop and 0
// to continue, and its entry may refuse any host version but 1.

/// A version 1 sampler: trials 0 and 1 get 0.25 on every coordinate, then it is exhausted (1).
private func v1SamplerTable(name: String) -> UnsafeMutablePointer<sk_sampler_vtable> {
    let table = UnsafeMutablePointer<sk_sampler_vtable>.allocate(capacity: 1)
    table.initialize(to: sk_sampler_vtable(
        header: sk_plugin_header(abi_version: 1, struct_size: UInt32(MemoryLayout<sk_sampler_vtable>.size),
                                 kind: SK_PLUGIN_SAMPLER.rawValue, name: UnsafePointer(strdup(name))),
        create: { _, _ in UnsafeMutableRawPointer(bitPattern: 1) },
        suggest: { _, number, out, dimension, _ in
            guard number < 2, let out else { return 1 }  // v1: 1 = exhausted
            for i in 0..<Int(dimension) { out[i] = 0.25 }
            return 0
        },
        observe: { _, _, _, _, _, _, _ in },
        destroy: { _ in },
        free_string: { free($0) }))
    return table
}

/// A policy that stops a trial whose last value is below 0.5, answering in ABI `version`'s terms.
private func policyTable(name: String, version: UInt32) -> UnsafeMutablePointer<sk_policy_vtable> {
    typealias Evaluate = @convention(c) (UnsafeMutableRawPointer?, Int64, Int64, UnsafePointer<sk_curve>?, UInt32, UnsafePointer<Double>?,
                                         Int32, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?,
                                         UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32
    let v1: Evaluate = { _, trial, _, curves, count, values, _, value, threshold, reason in
        guard let curves, let values, let own = (0..<Int(count)).map({ curves[$0] }).first(where: { $0.number == trial }) else { return -1 }
        let last = values[Int(own.offset) + Int(own.length) - 1]
        guard last < 0.5 else { return 0 }  // v1: 0 = continue
        value?.pointee = last
        threshold?.pointee = 0.5
        reason?.pointee = strdup("v1 policy: \(last) < 0.5")
        return 1  // v1: 1 = stop
    }
    let v2: Evaluate = { _, trial, _, curves, count, values, _, value, threshold, reason in
        guard let curves, let values, let own = (0..<Int(count)).map({ curves[$0] }).first(where: { $0.number == trial }) else {
            return SK_PLUGIN_ERROR.rawValue
        }
        let last = values[Int(own.offset) + Int(own.length) - 1]
        if last > 100 { return SK_PLUGIN_DONE.rawValue }  // not an answer evaluate may give
        guard last < 0.5 else { return SK_PLUGIN_OK.rawValue }
        value?.pointee = last
        threshold?.pointee = 0.5
        reason?.pointee = strdup("v2 policy: \(last) < 0.5")
        return SK_PLUGIN_STOP.rawValue
    }
    let table = UnsafeMutablePointer<sk_policy_vtable>.allocate(capacity: 1)
    table.initialize(to: sk_policy_vtable(
        header: sk_plugin_header(abi_version: version, struct_size: UInt32(MemoryLayout<sk_policy_vtable>.size),
                                 kind: SK_PLUGIN_POLICY.rawValue, name: UnsafePointer(strdup(name))),
        create: { _, _ in UnsafeMutableRawPointer(bitPattern: 1) },
        evaluate: version == 1 ? v1 : v2,
        destroy: { _ in },
        free_string: { free($0) }))
    return table
}

// Entry functions reach their tables through globals (a C function pointer captures nothing).
nonisolated(unsafe) private let oldPolicy = policyTable(name: "v1_stopper", version: 1)
nonisolated(unsafe) private let newPolicy = policyTable(name: "v2_stopper", version: 2)
nonisolated(unsafe) private let oldSampler = v1SamplerTable(name: "v1_quarter")
nonisolated(unsafe) private var askedVersions: [UInt32] = []

final class PluginABITests: XCTestCase {
    func lastError() -> String { String(cString: sk_last_error()) }

    func take(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        defer { sk_free(pointer) }
        return pointer.map { String(cString: $0) }
    }

    func sweep(_ spec: String) -> OpaquePointer? {
        var sweep: OpaquePointer?
        XCTAssertEqual(sk_sweep_create(spec, &sweep), SK_OK, lastError())
        return sweep
    }

    /// Reports `value` for a new trial; returns the decision JSON when the policy stopped it.
    func report(_ sweep: OpaquePointer?, _ value: Double) -> (sk_status, String?) {
        var number: Int64 = 0
        var params: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(sk_sweep_ask(sweep, &number, &params), SK_OK, lastError())
        sk_free(params)
        var stop: Int32 = 0
        var decision: UnsafeMutablePointer<CChar>?
        let status = sk_sweep_report(sweep, number, value, &stop, &decision)
        return (status, stop == 1 ? take(decision) : nil)
    }

    func testAVersion1PolicyWhoseEntryServesOnlyVersion1IsLoadedAndTranslated() throws {
        askedVersions = []
        var info: UnsafeMutablePointer<CChar>?
        let entry: sk_plugin_entry = { host in
            askedVersions.append(host)
            return host == 1 ? UnsafeRawPointer(oldPolicy) : nil  // an old plugin refusing newer hosts
        }
        XCTAssertEqual(sk_plugin_register(entry, "test:v1_stopper", &info), SK_OK, lastError())
        XCTAssertEqual(askedVersions, [UInt32(SK_PLUGIN_ABI_VERSION), 1], "newest first, then the older version")
        XCTAssertEqual(take(info), #"{"name":"v1_stopper","kind":"policy","abi_version":1,"origin":"test:v1_stopper"}"#)

        let sweep = sweep(#"{"search_space": {"x": ["uniform", [0, 1]]}, "objective": {"goal": "maximize"}, "early_termination": {"type": "v1_stopper"}}"#)
        defer { sk_sweep_free(sweep) }
        XCTAssertEqual(report(sweep, 0.9).1, nil, "v1's 0 is continue")
        let (status, decision) = report(sweep, 0.1)
        XCTAssertEqual(status, SK_OK, lastError())
        XCTAssertTrue(decision?.contains(#""policy":"v1_stopper""#) == true && decision?.contains("v1 policy: 0.1 < 0.5") == true,
                      decision ?? "v1's 1 is stop")
    }

    func testAVersion2PolicyUsesThePluginResults() {
        XCTAssertEqual(sk_plugin_register({ _ in UnsafeRawPointer(newPolicy) }, "test:v2_stopper", nil), SK_OK, lastError())
        let sweep = sweep(#"{"search_space": {"x": ["uniform", [0, 1]]}, "objective": {"goal": "maximize"}, "early_termination": "v2_stopper"}"#)
        defer { sk_sweep_free(sweep) }
        XCTAssertEqual(report(sweep, 0.9).1, nil)
        XCTAssertTrue(report(sweep, 0.2).1?.contains("v2 policy: 0.2 < 0.5") == true)
        // SK_PLUGIN_DONE (1, v1's "stop") is not an answer evaluate may give in version 2: a failure.
        let (status, _) = report(sweep, 1000)
        XCTAssertEqual(status, SK_INTERNAL)
        XCTAssertTrue(lastError().contains("plugin policy 'v2_stopper' failed"), lastError())
    }

    func testAVersion1SamplerRegisteredAsAVtableSuggestsAndEnds() {
        XCTAssertEqual(sk_plugin_register_sampler(oldSampler, "test:v1_quarter"), SK_OK, lastError())
        let sweep = sweep(#"{"search_space": {"x": ["uniform", [0, 8]]}, "sampling_algorithm": "v1_quarter", "objective": {"goal": "minimize"}}"#)
        defer { sk_sweep_free(sweep) }
        var number: Int64 = 0
        var params: UnsafeMutablePointer<CChar>?
        for expected in 0..<2 {
            XCTAssertEqual(sk_sweep_ask(sweep, &number, &params), SK_OK, lastError())
            XCTAssertEqual(number, Int64(expected))
            XCTAssertEqual(take(params), #"{"x":2.0}"#)
            XCTAssertEqual(sk_sweep_tell(sweep, number, SK_TRIAL_COMPLETED, 1, nil), SK_OK)
        }
        XCTAssertEqual(sk_sweep_ask(sweep, &number, &params), SK_DONE, "v1's 1 is exhausted")
        var reason: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(sk_sweep_finish_reason(sweep, &reason), SK_OK)
        XCTAssertTrue(take(reason)?.contains("exhausted") == true)
        var catalog: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(sk_plugins(&catalog), SK_OK)
        XCTAssertTrue(take(catalog)?.contains(#"{"name":"v1_quarter","kind":"sampler","origin":"test:v1_quarter","abi_version":1}"#) == true)
    }

    func testUnsupportedVersionsAndSilentEntriesAreRefusedWithAReason() {
        let future = UnsafeMutablePointer<sk_sampler_vtable>.allocate(capacity: 1)
        future.initialize(to: v1SamplerTable(name: "from_the_future").pointee)
        future.pointee.header.abi_version = 99
        XCTAssertEqual(sk_plugin_register_sampler(future, "test:future"), SK_INVALID)
        XCTAssertTrue(lastError().contains("built for plugin ABI version 99; this SweepKit loads versions 1 to \(SK_PLUGIN_ABI_VERSION)"), lastError())
        XCTAssertEqual(sk_plugin_register({ _ in nil }, "test:silent", nil), SK_INVALID)
        XCTAssertTrue(lastError().contains("cannot serve plugin ABI version 1 to \(SK_PLUGIN_ABI_VERSION)"), lastError())
        XCTAssertEqual(sk_plugin_register(nil, "test:null", nil), SK_MISUSE)
        let policyAsSampler = UnsafeMutableRawPointer(newPolicy).assumingMemoryBound(to: sk_sampler_vtable.self)
        XCTAssertEqual(sk_plugin_register_sampler(policyAsSampler, "test:wrong_kind"), SK_INVALID)
        XCTAssertTrue(lastError().contains("is not a sampler vtable"), lastError())
    }
}
