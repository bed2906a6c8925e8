#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit
import CSweepKit

/// The per-thread message behind `sk_last_error()`, held in a pthread key so each thread keeps its
/// own and the string outlives the call that set it.
enum LastError {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { free($0) }
        return key
    }()

    static func set(_ message: String) {
        free(pthread_getspecific(key))
        pthread_setspecific(key, strdup(message))
    }

    static func clear() {
        free(pthread_getspecific(key))
        pthread_setspecific(key, nil)
    }

    static var current: UnsafePointer<CChar>? {
        pthread_getspecific(key).map { UnsafePointer($0.assumingMemoryBound(to: CChar.self)) }
    }
}

/// Runs an API call: clears the last error, maps a thrown `SweepKitError` to its status code
/// and message. Every exported function goes through here.
func apiCall(_ body: () throws(SweepKitError) -> sk_status) -> sk_status {
    LastError.clear()
    do {
        return try body()
    } catch {
        LastError.set(error.description)
        switch error {
        case .validation, .invalidJSON: return SK_INVALID
        case .misuse: return SK_MISUSE
        case .unavailable: return SK_UNAVAILABLE
        case .internalFailure: return SK_INTERNAL
        }
    }
}

/// Reads a required C string argument.
func requireString(_ pointer: UnsafePointer<CChar>?, _ name: String) throws(SweepKitError) -> String {
    guard let pointer else { throw .misuse("\(name) must not be NULL") }
    return String(cString: pointer)
}

/// Reads a JSON document argument within `InputLimits` (its size is checked before it is copied).
func requireDocument(_ pointer: UnsafePointer<CChar>?, _ name: String) throws(SweepKitError) -> JSONValue {
    guard let pointer else { throw .misuse("\(name) must not be NULL") }
    let limit = try InputLimits.inputBytes.value()
    let length = strnlen(pointer, limit + 1)
    if length > limit { throw InputLimits.inputBytes.exceeded(field: name, "more than \(limit) bytes", limit: limit) }
    return try JSONValue(parsingInput: String(cString: pointer), field: name)
}

/// Hands a Swift string to the caller as a malloc'd C string (freed with `sk_free`).
func output(_ text: String, to out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) throws(SweepKitError) {
    guard let out else { throw .misuse("the output pointer must not be NULL") }
    guard let copy = strdup(text) else { throw .internalFailure("out of memory") }
    out.pointee = copy
}
