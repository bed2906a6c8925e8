import CSweepKit

/// A plugin's policy behind `EarlyTerminationPolicy`: curves cross as one array of values plus a
/// table of (trial, state, length, offset).
final class PluginPolicy: EarlyTerminationPolicy {
    let vtable: UnsafePointer<sk_policy_vtable>
    let name: String
    let results: PluginResults
    private let state: UnsafeMutableRawPointer

    init(vtable: UnsafePointer<sk_policy_vtable>, name: String, results: PluginResults, options: JSONObject) throws(SweepKitError) {
        self.vtable = vtable
        self.name = name
        self.results = results
        var error: UnsafeMutablePointer<CChar>?
        let config: JSONValue = ["options": .object(options)]
        guard let state = vtable.pointee.create(config.jsonText, &error) else {
            throw .validation(field: "early_termination", message: "plugin policy '\(name)': \(take(error, vtable) ?? "create failed")")
        }
        self.state = state
    }

    deinit { vtable.pointee.destroy(state) }

    func evaluate(trial: Int, interval: Int, curves: [TrialCurve], goal: Goal) throws(SweepKitError) -> TerminationDecision? {
        var table: [sk_curve] = []
        var values: [Double] = []
        for curve in curves {
            table.append(sk_curve(number: Int64(curve.number), trial_state: curve.state.code, length: UInt32(curve.values.count), offset: UInt64(values.count)))
            values += curve.values
        }
        var value = Double.nan, threshold = Double.nan
        var reason: UnsafeMutablePointer<CChar>?
        let status = table.withUnsafeBufferPointer { curvesBuffer in
            values.withUnsafeBufferPointer { valuesBuffer in
                vtable.pointee.evaluate(state, Int64(trial), Int64(interval), curvesBuffer.baseAddress, UInt32(curvesBuffer.count),
                                        valuesBuffer.baseAddress, goal.code, &value, &threshold, &reason)
            }
        }
        let text = take(reason, vtable)
        switch results.evaluation(status) {
        case .goOn: return nil
        case .stop: return TerminationDecision(trial: trial, interval: interval, policy: name, value: value, threshold: threshold,
                                           reason: text ?? "\(name) at interval \(interval)")
        case .failure: throw .internalFailure("plugin policy '\(name)' failed: \(text ?? "status \(status)")")
        }
    }
}

private func take(_ text: UnsafeMutablePointer<CChar>?, _ vtable: UnsafePointer<sk_policy_vtable>) -> String? {
    guard let text else { return nil }
    defer { vtable.pointee.free_string(text) }
    return String(cString: text)
}
