import SweepKit
import SweepKitJobs
import CSweepKit

// Names and conversions bindings take from the engine instead of spelling or re-deriving them.

@_cdecl("sk_job_vocabulary")
public func skJobVocabulary(_ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        func cases<T: RawRepresentable<String>>(_ values: [T]) -> JSONValue {
            .object(JSONObject(values.map { (String(describing: $0), JSONValue.string($0.rawValue)) }))
        }
        let vocabulary: JSONValue = [
            "job_statuses": .array(JobStatus.allCases.map { .string($0.rawValue) }),
            "finished_job_statuses": .array(JobStatus.finished.map { .string($0.rawValue) }),
            "stopped_job_statuses": .array(JobStatus.allCases.filter(\.isStopped).map { .string($0.rawValue) }),
            "trial_states": .array(TrialState.allCases.map { .string($0.rawValue) }),
            "job_status_cases": cases(JobStatus.allCases),
            "trial_state_cases": cases(TrialState.allCases),
            "trial_state_codes": .object(JSONObject(TrialState.allCases.map { ($0.rawValue, JSONValue.int(Int($0.code))) })),
        ]
        try output(vocabulary.jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_trial_state_from_name")
public func skTrialStateFromName(_ name: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<sk_trial_state>?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let text = try requireString(name, "name")
        guard let out else { throw .misuse("out_state must not be NULL") }
        guard let state = TrialState(name: text) else {
            let names = TrialState.allCases.filter(\.isFinished).map { $0.rawValue.lowercased() }.joined(separator: ", ")
            throw .validation(field: "state", message: "expected one of \(names), got '\(text)'")
        }
        out.pointee = sk_trial_state(rawValue: UInt32(state.code))
        return SK_OK
    }
}

@_cdecl("sk_params_flatten")
public func skParamsFlatten(_ paramsJSON: UnsafePointer<CChar>?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let params = try requireDocument(paramsJSON, "params_json")
        guard let object = params.object else {
            throw .validation(field: "params", message: "must be a mapping of parameter names to values, got \(params.typeName)")
        }
        try output(JSONValue.object(Trial.flatten(object)).jsonText, to: out)
        return SK_OK
    }
}

extension JobStatus {
    /// No engine runs the job and none will until someone resumes it: finished, or NotResponding.
    /// A viewer stops following the job here (`sk_job_stream`'s "over").
    var isStopped: Bool { isFinished || self == .notResponding }
}
