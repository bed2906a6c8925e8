#if canImport(Glibc)
import Glibc
#endif
import CSweepKit

// Builds the C vtable of sweepkit.h around a plugin type. A plugin library holds one plugin and its
// own copy of this kit, so the plugin's factory can live in a global the C functions reach.

nonisolated(unsafe) private var samplerFactory: ((SamplerConfiguration) throws -> any SamplerPlugin)?
nonisolated(unsafe) private var policyFactory: ((PolicyConfiguration) throws -> any PolicyPlugin)?
nonisolated(unsafe) private var samplerTable: UnsafeMutablePointer<sk_sampler_vtable>?
nonisolated(unsafe) private var policyTable: UnsafeMutablePointer<sk_policy_vtable>?

private final class Box<T> {
    let value: T
    init(_ value: T) { self.value = value }
}

private func describe(_ error: any Error) -> UnsafeMutablePointer<CChar>? { strdup("\(error)") }

private func header(kind: sk_plugin_kind, size: Int, name: String) -> sk_plugin_header {
    sk_plugin_header(abi_version: UInt32(SK_PLUGIN_ABI_VERSION), struct_size: UInt32(size), kind: kind.rawValue,
                     name: UnsafePointer(strdup(name)))
}

private func state(_ code: Int32) -> PluginTrialState {
    switch code {
    case 0: return .running
    case 1: return .completed
    case 2: return .failed
    default: return .canceled
    }
}

/// The vtable for sampler type `S`, for a host speaking `hostABI` (nil when it is too old).
public func exportSampler<S: SamplerPlugin>(_ type: S.Type, hostABI: UInt32) -> UnsafeRawPointer? {
    guard hostABI >= 1 else { return nil }
    if let samplerTable { return UnsafeRawPointer(samplerTable) }
    samplerFactory = { try S(configuration: $0) }
    let table = UnsafeMutablePointer<sk_sampler_vtable>.allocate(capacity: 1)
    table.initialize(to: sk_sampler_vtable(
        header: header(kind: SK_PLUGIN_SAMPLER, size: MemoryLayout<sk_sampler_vtable>.size, name: S.name),
        create: { config, errorOut in
            do {
                guard let config, let factory = samplerFactory else { throw PluginKitError("no configuration") }
                let json = try JSONParser.parse(String(cString: config))
                let object = json.object ?? JSONObject()
                let seed: UInt64? = { if case .int(let s)? = object["seed"] { return UInt64(bitPattern: Int64(s)) } else { return nil } }()
                let configuration = SamplerConfiguration(
                    seed: seed, dimension: Int(object["dimension"]?.number ?? 0),
                    searchSpace: object["search_space"] ?? .null, options: object["options"]?.object ?? JSONObject())
                return Unmanaged.passRetained(Box(try factory(configuration))).toOpaque()
            } catch {
                errorOut?.pointee = describe(error)
                return nil
            }
        },
        suggest: { state, number, out, dimension, errorOut in
            guard let state, let out else { return -1 }
            let plugin = Unmanaged<Box<any SamplerPlugin>>.fromOpaque(state).takeUnretainedValue().value
            do {
                guard let point = try plugin.suggest(trialNumber: Int(number)) else { return 1 }
                guard point.count == Int(dimension) else {
                    throw PluginKitError("suggest returned \(point.count) coordinates, the space has \(dimension)")
                }
                for (i, x) in point.enumerated() { out[i] = x }
                return 0
            } catch {
                errorOut?.pointee = describe(error)
                return -1
            }
        },
        observe: { state, number, point, dimension, trialState, value, maximize in
            guard let state else { return }
            let plugin = Unmanaged<Box<any SamplerPlugin>>.fromOpaque(state).takeUnretainedValue().value
            let coordinates = point.map { Array(UnsafeBufferPointer(start: $0, count: Int(dimension))) } ?? []
            plugin.observe(ObservedTrial(number: Int(number), point: coordinates, state: SweepPluginKit.state(trialState),
                                         value: value.isNaN ? nil : value, goal: maximize != 0 ? .maximize : .minimize))
        },
        destroy: { state in
            guard let state else { return }
            Unmanaged<Box<any SamplerPlugin>>.fromOpaque(state).release()
        },
        free_string: { free($0) }))
    samplerTable = table
    return UnsafeRawPointer(table)
}

/// The vtable for policy type `P`, for a host speaking `hostABI` (nil when it is too old).
public func exportPolicy<P: PolicyPlugin>(_ type: P.Type, hostABI: UInt32) -> UnsafeRawPointer? {
    guard hostABI >= 1 else { return nil }
    if let policyTable { return UnsafeRawPointer(policyTable) }
    policyFactory = { try P(configuration: $0) }
    let table = UnsafeMutablePointer<sk_policy_vtable>.allocate(capacity: 1)
    table.initialize(to: sk_policy_vtable(
        header: header(kind: SK_PLUGIN_POLICY, size: MemoryLayout<sk_policy_vtable>.size, name: P.name),
        create: { config, errorOut in
            do {
                guard let config, let factory = policyFactory else { throw PluginKitError("no configuration") }
                let json = try JSONParser.parse(String(cString: config))
                let configuration = PolicyConfiguration(options: json.object?["options"]?.object ?? JSONObject())
                return Unmanaged.passRetained(Box(try factory(configuration))).toOpaque()
            } catch {
                errorOut?.pointee = describe(error)
                return nil
            }
        },
        evaluate: { state, trial, interval, curves, count, values, maximize, outValue, outThreshold, outReason in
            guard let state else { return -1 }
            let plugin = Unmanaged<Box<any PolicyPlugin>>.fromOpaque(state).takeUnretainedValue().value
            var list: [Curve] = []
            if let curves, let values {
                for i in 0..<Int(count) {
                    let c = curves[i]
                    list.append(Curve(number: Int(c.number), state: SweepPluginKit.state(c.trial_state),
                                      values: Array(UnsafeBufferPointer(start: values + Int(c.offset), count: Int(c.length)))))
                }
            }
            do {
                guard let decision = try plugin.evaluate(trial: Int(trial), interval: Int(interval), curves: list,
                                                         goal: maximize != 0 ? .maximize : .minimize) else { return 0 }
                outValue?.pointee = decision.value
                outThreshold?.pointee = decision.threshold
                outReason?.pointee = strdup(decision.reason)
                return 1
            } catch {
                outReason?.pointee = describe(error)
                return -1
            }
        },
        destroy: { state in
            guard let state else { return }
            Unmanaged<Box<any PolicyPlugin>>.fromOpaque(state).release()
        },
        free_string: { free($0) }))
    policyTable = table
    return UnsafeRawPointer(table)
}

/// An error a plugin (or this kit) reports to the host; the host shows its message.
public struct PluginKitError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
