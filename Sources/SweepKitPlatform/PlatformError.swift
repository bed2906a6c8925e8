#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: what was attempted and the system's reason. Callers above the platform
/// layer turn it into their own error type.
public struct PlatformError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ what: String, code: Int32 = errno) {
        description = "\(what): \(String(cString: strerror(code)))"
    }
}
