#if canImport(Glibc)
import Glibc
#endif
import CSweepKit
import Synchronization

// Builds the C vtable of sweepkit.h around a plugin type. A plugin library holds one plugin and its
// own copy of this kit, so the plugin's factory can live in a global the C functions reach.
//
// The tables are built once per ABI version and never freed (sweepkit.h: a registered vtable and its
// name live as long as the process). A host speaking plugin ABI 2 or newer gets a version 2 table;
// a version 1 host (an older SweepKit) gets a version 1 table, whose policy results it understands.

private struct Exported: @unchecked Sendable {
    var samplerFactory: ((SamplerConfiguration) throws -> any SamplerPlugin)?
    var policyFactory: ((PolicyConfiguration) throws -> any PolicyPlugin)?
    var tables: [String: UnsafeRawPointer] = [:]  // "sampler 2", "policy 1", ...
}

private let exported = Mutex(Exported())

private final class Box<T> {
    let value: T
    init(_ value: T) { self.value = value }
}

private func describe(_ error: any Error) -> UnsafeMutablePointer<CChar>? { strdup("\(error)") }

private func header(kind: sk_plugin_kind, abi: UInt32, size: Int, name: String) -> sk_plugin_header {
    sk_plugin_header(abi_version: abi, struct_size: UInt32(size), kind: kind.rawValue, name: UnsafePointer(strdup(name)))
}

private func state(_ code: Int32) -> PluginTrialState {
    switch code {
    case Int32(SK_TRIAL_RUNNING.rawValue): return .running
    case Int32(SK_TRIAL_COMPLETED.rawValue): return .completed
    case Int32(SK_TRIAL_FAILED.rawValue): return .failed
    default: return .canceled
    }
}

private func goal(_ code: Int32) -> PluginGoal { code == Int32(SK_GOAL_MAXIMIZE.rawValue) ? .maximize : .minimize }

/// The ABI version of the table to hand a host speaking `hostABI`, nil when it is too old.
private func tableVersion(_ hostABI: UInt32) -> UInt32? {
    hostABI >= UInt32(SK_PLUGIN_ABI_VERSION) ? UInt32(SK_PLUGIN_ABI_VERSION) : hostABI == 1 ? 1 : nil
}

/// Builds (once) the table stored under `key`.
private func table(_ key: String, install: (inout Exported) -> Void, build: () -> UnsafeRawPointer) -> UnsafeRawPointer {
    exported.withLock { exported in
        if let existing = exported.tables[key] { return existing }
        install(&exported)
        let table = build()
        exported.tables[key] = table
        return table
    }
}

private func samplerFactory() -> ((SamplerConfiguration) throws -> any SamplerPlugin)? { exported.withLock { $0.samplerFactory } }
private func policyFactory() -> ((PolicyConfiguration) throws -> any PolicyPlugin)? { exported.withLock { $0.policyFactory } }

/// The vtable for sampler type `S`, for a host speaking `hostABI` (nil when it is too old).
public func exportSampler<S: SamplerPlugin>(_ type: S.Type, hostABI: UInt32) -> UnsafeRawPointer? {
    guard let abi = tableVersion(hostABI) else { return nil }
    return table("sampler \(abi)", install: { $0.samplerFactory = { try S(configuration: $0) } }) {
        let table = UnsafeMutablePointer<sk_sampler_vtable>.allocate(capacity: 1)
        table.initialize(to: sk_sampler_vtable(
            header: header(kind: SK_PLUGIN_SAMPLER, abi: abi, size: MemoryLayout<sk_sampler_vtable>.size, name: S.name),
            create: { config, errorOut in
                do {
                    guard let config, let factory = samplerFactory() else { throw PluginKitError("no configuration") }
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
            // Version 1 and 2 suggest results are the same values.
            suggest: { state, number, out, dimension, errorOut in
                guard let state, let out else { return SK_PLUGIN_ERROR.rawValue }
                let plugin = Unmanaged<Box<any SamplerPlugin>>.fromOpaque(state).takeUnretainedValue().value
                do {
                    guard let point = try plugin.suggest(trialNumber: Int(number)) else { return SK_PLUGIN_DONE.rawValue }
                    guard point.count == Int(dimension) else {
                        throw PluginKitError("suggest returned \(point.count) coordinates, the space has \(dimension)")
                    }
                    for (i, x) in point.enumerated() { out[i] = x }
                    return SK_PLUGIN_OK.rawValue
                } catch {
                    errorOut?.pointee = describe(error)
                    return SK_PLUGIN_ERROR.rawValue
                }
            },
            observe: { state, number, point, dimension, trialState, value, goalCode in
                guard let state else { return }
                let plugin = Unmanaged<Box<any SamplerPlugin>>.fromOpaque(state).takeUnretainedValue().value
                let coordinates = point.map { Array(UnsafeBufferPointer(start: $0, count: Int(dimension))) } ?? []
                plugin.observe(ObservedTrial(number: Int(number), point: coordinates, state: SweepPluginKit.state(trialState),
                                             value: value.isNaN ? nil : value, goal: goal(goalCode)))
            },
            destroy: { state in
                guard let state else { return }
                Unmanaged<Box<any SamplerPlugin>>.fromOpaque(state).release()
            },
            free_string: { free($0) }))
        return UnsafeRawPointer(table)
    }
}

/// What a policy decided, before it is written in one ABI version's terms.
private enum Evaluation {
    case goOn, stop, failure
}

/// Calls the policy behind `state` and fills the out-parameters.
private func evaluate(_ state: UnsafeMutableRawPointer?, _ trial: Int64, _ interval: Int64, _ curves: UnsafePointer<sk_curve>?,
                      _ count: UInt32, _ values: UnsafePointer<Double>?, _ goalCode: Int32, _ outValue: UnsafeMutablePointer<Double>?,
                      _ outThreshold: UnsafeMutablePointer<Double>?, _ outReason: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Evaluation {
    guard let state else { return .failure }
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
        guard let decision = try plugin.evaluate(trial: Int(trial), interval: Int(interval), curves: list, goal: goal(goalCode)) else {
            return .goOn
        }
        outValue?.pointee = decision.value
        outThreshold?.pointee = decision.threshold
        outReason?.pointee = strdup(decision.reason)
        return .stop
    } catch {
        outReason?.pointee = describe(error)
        return .failure
    }
}

/// The vtable for policy type `P`, for a host speaking `hostABI` (nil when it is too old).
public func exportPolicy<P: PolicyPlugin>(_ type: P.Type, hostABI: UInt32) -> UnsafeRawPointer? {
    guard let abi = tableVersion(hostABI) else { return nil }
    return table("policy \(abi)", install: { $0.policyFactory = { try P(configuration: $0) } }) {
        typealias Evaluate = @convention(c) (UnsafeMutableRawPointer?, Int64, Int64, UnsafePointer<sk_curve>?, UInt32, UnsafePointer<Double>?,
                                             Int32, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?,
                                             UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32
        let current: Evaluate = { state, trial, interval, curves, count, values, goal, value, threshold, reason in
            switch evaluate(state, trial, interval, curves, count, values, goal, value, threshold, reason) {
            case .goOn: return SK_PLUGIN_OK.rawValue
            case .stop: return SK_PLUGIN_STOP.rawValue
            case .failure: return SK_PLUGIN_ERROR.rawValue
            }
        }
        // Plugin ABI 1: 1 stop, 0 continue, -1 failure.
        let version1: Evaluate = { state, trial, interval, curves, count, values, goal, value, threshold, reason in
            switch evaluate(state, trial, interval, curves, count, values, goal, value, threshold, reason) {
            case .goOn: return 0
            case .stop: return 1
            case .failure: return -1
            }
        }
        let table = UnsafeMutablePointer<sk_policy_vtable>.allocate(capacity: 1)
        table.initialize(to: sk_policy_vtable(
            header: header(kind: SK_PLUGIN_POLICY, abi: abi, size: MemoryLayout<sk_policy_vtable>.size, name: P.name),
            create: { config, errorOut in
                do {
                    guard let config, let factory = policyFactory() else { throw PluginKitError("no configuration") }
                    let json = try JSONParser.parse(String(cString: config))
                    let configuration = PolicyConfiguration(options: json.object?["options"]?.object ?? JSONObject())
                    return Unmanaged.passRetained(Box(try factory(configuration))).toOpaque()
                } catch {
                    errorOut?.pointee = describe(error)
                    return nil
                }
            },
            evaluate: abi == 1 ? version1 : current,
            destroy: { state in
                guard let state else { return }
                Unmanaged<Box<any PolicyPlugin>>.fromOpaque(state).release()
            },
            free_string: { free($0) }))
        return UnsafeRawPointer(table)
    }
}

/// An error a plugin (or this kit) reports to the host; the host shows its message.
public struct PluginKitError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
