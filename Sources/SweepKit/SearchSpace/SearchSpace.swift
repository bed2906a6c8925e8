/// The hyperparameters of a sweep: an ordered list of named parameter expressions.
///
/// The key order is the order the user wrote them in; it fixes the unit-cube layout (parameter i
/// owns the coordinates after those of parameters 0..<i) and the grid enumeration order.
public struct SearchSpace: Equatable, Sendable {
    public struct Parameter: Equatable, Sendable {
        public let name: String
        public let expression: ParameterExpression
        public init(name: String, expression: ParameterExpression) {
            self.name = name
            self.expression = expression
        }
    }

    /// Euler's number, the default base of log expressions.
    public static let naturalLogBase = 2.718281828459045

    public let parameters: [Parameter]
    /// The number of unit-cube coordinates a point of this space has.
    public let dimension: Int

    /// Builds a space from already-valid expressions. Use `SearchSpace(json:)` for user input,
    /// which validates every rule and names the offending field.
    public init(_ parameters: [Parameter]) throws(SweepKitError) {
        var seen = Set<String>()
        for parameter in parameters {
            try SearchSpaceValidator.validateKey(parameter.name, field: "search_space")
            try SearchSpaceValidator.validate(parameter.expression, field: "search_space.\(parameter.name)")
            guard seen.insert(parameter.name).inserted else {
                throw .validation(field: "search_space.\(parameter.name)", message: "the parameter is defined twice")
            }
        }
        self.parameters = parameters
        self.dimension = parameters.reduce(0) { $0 + $1.expression.dimension }
    }

    /// `[("lr", .uniform(...)), ...]` in Swift code.
    public init(_ parameters: KeyValuePairs<String, ParameterExpression>) throws(SweepKitError) {
        try self.init(parameters.map { Parameter(name: $0.key, expression: $0.value) })
    }

    /// The parameter values at a unit-cube point (one coordinate per dimension, each in [0, 1)).
    public func values(at point: [Double], logBase: Double = SearchSpace.naturalLogBase) -> JSONObject {
        point.withUnsafeBufferPointer { buffer in
            var values = JSONObject()
            var offset = 0
            for parameter in parameters {
                values[parameter.name] = parameter.expression.value(at: buffer, offset: offset, logBase: logBase)
                offset += parameter.expression.dimension
            }
            return values
        }
    }

    /// True when every parameter, nested ones included, is a `choice` (what grid sampling needs).
    public var isAllChoice: Bool {
        var allChoice = true
        forEachExpression { expression, _ in
            if case .choice = expression {} else { allChoice = false }
        }
        return allChoice
    }

    /// Visits every expression, nested ones included, with the offset of its first unit-cube
    /// coordinate (the layout `values(at:)` reads).
    func forEachExpression(_ body: (ParameterExpression, Int) -> Void) {
        func visit(_ expression: ParameterExpression, at offset: Int) {
            body(expression, offset)
            guard case .choice(let options) = expression else { return }
            var nested = offset + 1
            for option in options {
                for inner in option.nestedExpressions {
                    visit(inner, at: nested)
                    nested += inner.dimension
                }
            }
        }
        var offset = 0
        for parameter in parameters {
            visit(parameter.expression, at: offset)
            offset += parameter.expression.dimension
        }
    }
}
