import CSweepKit

/// A plugin's sampler behind the engine's `Sampler` protocol: calls through its C vtable and
/// checks what comes back.
final class PluginSampler: Sampler {
    let vtable: UnsafePointer<sk_sampler_vtable>
    let name: String
    let dimension: Int
    let results: PluginResults
    private let state: UnsafeMutableRawPointer

    init(vtable: UnsafePointer<sk_sampler_vtable>, name: String, results: PluginResults, space: SearchSpace,
         algorithm: SamplingAlgorithm) throws(SweepKitError) {
        self.vtable = vtable
        self.name = name
        self.results = results
        dimension = space.dimension
        let config: JSONValue = [
            "seed": algorithm.seed.map(JSONValue.int) ?? .null, "dimension": .int(space.dimension),
            "search_space": space.json(form: .wire), "options": .object(algorithm.options), "name": .string(name),
        ]
        var error: UnsafeMutablePointer<CChar>?
        guard let state = vtable.pointee.create(config.jsonText, &error) else {
            throw .validation(field: "sampling_algorithm", message: "plugin sampler '\(name)': \(Self.take(error, vtable) ?? "create failed")")
        }
        self.state = state
    }

    deinit { vtable.pointee.destroy(state) }

    static func take(_ text: UnsafeMutablePointer<CChar>?, _ vtable: UnsafePointer<sk_sampler_vtable>) -> String? {
        guard let text else { return nil }
        defer { vtable.pointee.free_string(text) }
        return String(cString: text)
    }

    func suggest(trialNumber: Int) throws(SweepKitError) -> [Double]? {
        var point = [Double](repeating: .nan, count: dimension)
        var error: UnsafeMutablePointer<CChar>?
        let status = point.withUnsafeMutableBufferPointer { buffer in
            vtable.pointee.suggest(state, Int64(trialNumber), buffer.baseAddress, UInt32(dimension), &error)
        }
        switch results.suggestion(status) {
        case .point:
            guard point.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
                throw .internalFailure("plugin sampler '\(name)' returned a point outside [0, 1]: \(point.prefix(4))")
            }
            return point
        case .exhausted:
            return nil
        case .failure:
            throw .internalFailure("plugin sampler '\(name)' failed: \(Self.take(error, vtable) ?? "status \(status)")")
        }
    }

    func observe(_ observation: TrialObservation) {
        observation.point.withUnsafeBufferPointer { buffer in
            vtable.pointee.observe(self.state, Int64(observation.trialNumber), buffer.baseAddress, UInt32(buffer.count),
                                   observation.state.code, observation.value ?? .nan, observation.goal.code)
        }
    }
}
