#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The rules every parameter expression must satisfy before a sweep starts.
/// Messages follow the Azure/HyperDrive wording (the validation messages of the azure-ai-ml SDK) and add the
/// offending values, so a user can fix the spec without guessing.
enum SearchSpaceValidator {
    /// exp(x) is finite for x below this.
    static let largestExponent = 709.78

    static func validateKey(_ key: String, field: String) throws(SweepKitError) {
        let bytes = Array(key.utf8)
        func isLetter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 }
        func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
        guard let first = bytes.first, isLetter(first), bytes.allSatisfy({ isLetter($0) || isDigit($0) }) else {
            throw .validation(
                field: field.isEmpty ? key : "\(field).\(key)",
                message: "key name '\(key)' must be composed of letters, numbers, and underscore, and must not start with a number (^[A-Za-z_][A-Za-z0-9_]*$)")
        }
    }

    /// `level`: how many choices this expression is nested in (conditional spaces); bounded by the
    /// depth limit, so no recursion over a space can run out of stack.
    static func validate(_ expression: ParameterExpression, field: String, level: Int = 0) throws(SweepKitError) {
        func fail(_ message: String) -> SweepKitError { .validation(field: field, message: message) }
        func checkQ(_ q: Double, _ type: String) throws(SweepKitError) {
            guard q > 0 else { throw fail("\(type) expects q to be positive, got q=\(format(q))") }
        }
        func checkSigma(_ sigma: Double, _ type: String) throws(SweepKitError) {
            guard sigma >= 0 else { throw fail("\(type) expects sigma to be non negative, got sigma=\(format(sigma))") }
        }
        func checkLogNormalRange(_ mu: Double, _ sigma: Double, _ type: String) throws(SweepKitError) {
            // The widest normal deviate a double-precision uniform can produce is about 8.3.
            guard mu + 8.3 * sigma < largestExponent else {
                throw fail("\(type) expects mu + 8.3*sigma < \(largestExponent) so that exp(Normal(mu, sigma)) stays finite, got mu=\(format(mu)), sigma=\(format(sigma))")
            }
        }
        switch expression {
        case .choice(let options):
            guard !options.isEmpty else {
                throw fail("choice expects non-empty single list, non-empty single range() or a positive number of arbitrary comma separated inputs.")
            }
            try InputLimits.choiceValues.check(options.count, field: "\(field).values", "\(options.count) values")
            if level > 0 {
                try InputLimits.inputDepth.check(level, field: field, "choices nested \(level) levels deep")
            }
            for (index, option) in options.enumerated() {
                guard case .nested(let entries) = option else { continue }
                var seen = Set<String>()
                for entry in entries {
                    let entryField = "\(field).values[\(index)].\(entry.key)"
                    try validateKey(entry.key, field: "\(field).values[\(index)]")
                    guard seen.insert(entry.key).inserted else {
                        throw .validation(field: entryField, message: "the key is defined twice")
                    }
                    if case .expression(let nested) = entry.content { try validate(nested, field: entryField, level: level + 1) }
                }
            }
        case .randint(let upper):
            guard upper > 0 else { throw fail("randint expects a positive number as input, got upper=\(upper)") }
        case .uniform(let lo, let hi), .qUniform(let lo, let hi, _):
            let type = expression.typeName
            guard lo < hi else { throw fail("\(type) expects min_value < max_value, got min_value=\(format(lo)), max_value=\(format(hi))") }
            if case .qUniform(_, _, let q) = expression { try checkQ(q, type) }
        case .logUniform(let lo, let hi), .qLogUniform(let lo, let hi, _):
            let type = expression.typeName
            guard lo <= hi else { throw fail("\(type) expects min_value <= max_value, got min_value=\(format(lo)), max_value=\(format(hi))") }
            guard hi < largestExponent else {
                throw fail("\(type) expects max_value < \(largestExponent): the bounds are exponents (the values range over exp(min_value)..exp(max_value)), and exp(\(format(hi))) overflows")
            }
            if case .qLogUniform(_, _, let q) = expression { try checkQ(q, type) }
        case .normal(_, let sigma):
            try checkSigma(sigma, "normal")
        case .qNormal(_, let sigma, let q):
            try checkSigma(sigma, "qnormal")
            try checkQ(q, "qnormal")
        case .logNormal(let mu, let sigma):
            try checkSigma(sigma, "lognormal")
            try checkLogNormalRange(mu, sigma, "lognormal")
        case .qLogNormal(let mu, let sigma, let q):
            try checkSigma(sigma, "qlognormal")
            try checkQ(q, "qlognormal")
            try checkLogNormalRange(mu, sigma, "qlognormal")
        }
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}
