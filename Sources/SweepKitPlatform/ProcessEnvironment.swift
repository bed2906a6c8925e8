#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// This process's environment, which trials inherit (plus their own variables).
public enum ProcessEnvironment {
    public static func current() -> [(key: String, value: String)] {
        var variables: [(key: String, value: String)] = []
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                variables.append((String(text[..<equals]), String(text[text.index(after: equals)...])))
            }
            pointer += 1
        }
        return variables
    }

    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
