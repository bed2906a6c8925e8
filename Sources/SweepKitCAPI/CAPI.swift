#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit
import CSweepKit

// The definitions of sweepkit.h. Swift names differ from the C names on purpose: the header's
// declarations are imported too, and the two must not be confused.

public typealias CStringOut = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

@_cdecl("sk_abi_version")
public func skABIVersion() -> Int32 { Int32(SK_ABI_VERSION) }

nonisolated(unsafe) private let versionString: UnsafeMutablePointer<CChar> = strdup(SweepKitVersion.string)!

@_cdecl("sk_version")
public func skVersion() -> UnsafePointer<CChar> { UnsafePointer(versionString) }

nonisolated(unsafe) private let emptyString: UnsafeMutablePointer<CChar> = strdup("")!

@_cdecl("sk_last_error")
public func skLastError() -> UnsafePointer<CChar> { LastError.current ?? UnsafePointer(emptyString) }

@_cdecl("sk_free")
public func skFree(_ text: UnsafeMutablePointer<CChar>?) { free(text) }

@_cdecl("sk_spec_normalize")
public func skSpecNormalize(_ specJSON: UnsafePointer<CChar>?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let spec = try SweepSpec(json: requireDocument(specJSON, "spec_json"))
        try EngineAssembly.resolveNames(spec)
        try output(spec.json.jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_spec_advice")
public func skSpecAdvice(_ specJSON: UnsafePointer<CChar>?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let spec = try SweepSpec(json: requireDocument(specJSON, "spec_json"))
        try output(JSONValue.array(spec.advice.map(JSONValue.string)).jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_space_normalize")
public func skSpaceNormalize(_ spaceJSON: UnsafePointer<CChar>?, _ form: sk_space_form, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let written: SearchSpace.Form
        switch form {
        case SK_SPACE_WIRE: written = .wire
        case SK_SPACE_YAML: written = .yaml
        default: throw .misuse("form must be SK_SPACE_WIRE or SK_SPACE_YAML, got \(form.rawValue)")
        }
        let space = try SearchSpace(json: requireDocument(spaceJSON, "space_json"))
        try output(space.json(form: written).jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_sweep_create")
public func skSweepCreate(_ specJSON: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        guard let out else { throw .misuse("out_sweep must not be NULL") }
        let sweep = try Sweep(spec: SweepSpec(json: requireDocument(specJSON, "spec_json")))
        out.pointee = SweepHandles.register(sweep)
        return SK_OK
    }
}

@_cdecl("sk_sweep_free")
public func skSweepFree(_ handle: OpaquePointer?) { SweepHandles.free(handle) }

@_cdecl("sk_sweep_spec")
public func skSweepSpec(_ handle: OpaquePointer?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        try output(SweepHandles.sweep(handle).spec.json.jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_sweep_ask")
public func skSweepAsk(_ handle: OpaquePointer?, _ outNumber: UnsafeMutablePointer<Int64>?, _ outParams: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let sweep = try SweepHandles.sweep(handle)
        guard let outNumber, outParams != nil else { throw .misuse("out_number and out_params_json must not be NULL") }
        guard let trial = try sweep.ask() else { return SK_DONE }
        outNumber.pointee = Int64(trial.number)
        try output(JSONValue.object(trial.params).jsonText, to: outParams)
        return SK_OK
    }
}

@_cdecl("sk_sweep_tell")
public func skSweepTell(_ handle: OpaquePointer?, _ number: Int64, _ state: sk_trial_state, _ value: Double, _ message: UnsafePointer<CChar>?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let sweep = try SweepHandles.sweep(handle)
        let trialState: TrialState
        switch state {
        case SK_TRIAL_COMPLETED: trialState = .completed
        case SK_TRIAL_FAILED: trialState = .failed
        case SK_TRIAL_CANCELED: trialState = .canceled
        default: throw .misuse("state must be SK_TRIAL_COMPLETED, SK_TRIAL_FAILED or SK_TRIAL_CANCELED, got \(state.rawValue)")
        }
        guard let index = Int(exactly: number) else { throw .misuse("no trial \(number)") }
        var text: String?
        if let message {
            let limit = try InputLimits.messageBytes.value()
            let length = strnlen(message, limit + 1)
            if length > limit { throw InputLimits.messageBytes.exceeded(field: "message", "more than \(limit) bytes", limit: limit) }
            text = String(cString: message)
        }
        try sweep.tell(index, value: value.isNaN ? nil : value, state: trialState, message: text)
        return SK_OK
    }
}

@_cdecl("sk_sweep_report")
public func skSweepReport(_ handle: OpaquePointer?, _ number: Int64, _ value: Double, _ outStop: UnsafeMutablePointer<Int32>?,
                          _ outDecision: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let sweep = try SweepHandles.sweep(handle)
        guard let outStop else { throw .misuse("out_stop must not be NULL") }
        guard let index = Int(exactly: number) else { throw .misuse("no trial \(number)") }
        let decision = try sweep.report(index, value: value)
        outStop.pointee = decision == nil ? 0 : 1
        if let decision, let outDecision { try output(decision.json.jsonText, to: outDecision) }
        return SK_OK
    }
}

@_cdecl("sk_sweep_decisions")
public func skSweepDecisions(_ handle: OpaquePointer?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        try output(JSONValue.array(SweepHandles.sweep(handle).decisions.map(\.json)).jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_sweep_best")
public func skSweepBest(_ handle: OpaquePointer?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        guard let best = try SweepHandles.sweep(handle).best else { return SK_DONE }
        try output(best.json.jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_sweep_trials")
public func skSweepTrials(_ handle: OpaquePointer?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let trials = try SweepHandles.sweep(handle).trials
        try output(JSONValue.array(trials.map(\.json)).jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_sweep_finish_reason")
public func skSweepFinishReason(_ handle: OpaquePointer?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let reason = try SweepHandles.sweep(handle).finishReason
        guard let out else { throw .misuse("the output pointer must not be NULL") }
        if let reason { try output(reason, to: out) } else { out.pointee = nil }
        return SK_OK
    }
}

@_cdecl("sk_samplers")
public func skSamplers(_ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        try EngineAssembly.loadPlugins([])
        try output(JSONValue.array(SamplerRegistry.shared.names.map { .string($0) }).jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_input_limits")
public func skInputLimits(_ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        try output(InputLimits.json().jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_sobol_points")
public func skSobolPoints(_ dimension: UInt32, _ n: UInt32, _ mode: sk_sobol_mode, _ seed: Int64, _ out: UnsafeMutablePointer<Double>?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let scrambled: Bool
        switch mode {
        case SK_SOBOL_PLAIN: scrambled = false
        case SK_SOBOL_SCRAMBLED: scrambled = true
        default: throw .misuse("mode must be SK_SOBOL_PLAIN or SK_SOBOL_SCRAMBLED, got \(mode.rawValue)")
        }
        // Both factors are 32-bit, so the product cannot overflow 64 bits; it is bounded before
        // anything is allocated or written.
        let count = UInt64(dimension) * UInt64(n)
        guard count <= UInt64(SK_SOBOL_MAX_VALUES) else {
            throw .validation(field: "n", message: "n * dimension = \(count) values exceeds the maximum of \(SK_SOBOL_MAX_VALUES) per call")
        }
        guard let out else { throw .misuse("out must not be NULL") }
        let sequence = try SobolSequence(dimension: Int(dimension), scrambleSeed: scrambled ? UInt64(bitPattern: seed) : nil)
        for i in 0..<n {
            let point = sequence.point(index: i)
            for (d, x) in point.enumerated() { out[Int(i) * Int(dimension) + d] = x }
        }
        return SK_OK
    }
}
