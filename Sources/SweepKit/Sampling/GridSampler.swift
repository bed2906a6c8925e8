/// `GridSamplingAlgorithm()`: every combination of the choice values, once, then exhausted.
///
/// Order: like `itertools.product` over the parameters in the order they were written, the last
/// parameter varying fastest; a choice's options in their listed order. An option that is a mapping
/// with nested choices expands in place into all of its own combinations (same rule inside).
/// Coordinates of options not picked are set to 0.5; they do not affect the values.
public final class GridSampler: Sampler {
    public static let name = "grid"
    let space: SearchSpace
    /// The number of combinations of each top-level parameter.
    let counts: [Int]
    public let combinationCount: Int

    public init(space: SearchSpace) throws(SweepKitError) {
        for parameter in space.parameters {
            try Self.requireChoice(parameter.expression, field: "search_space.\(parameter.name)")
        }
        self.space = space
        let tooLarge = SweepKitError.validation(field: "search_space", message: "grid sampling: the grid has more than \(Int.max) combinations")
        var counts: [Int] = []
        var total = 1
        for parameter in space.parameters {
            // Checked here once: every count `place` computes later is at most this total.
            guard let count = Self.checkedCount(parameter.expression) else { throw tooLarge }
            let (product, overflow) = total.multipliedReportingOverflow(by: count)
            guard !overflow else { throw tooLarge }
            counts.append(count)
            total = product
        }
        self.counts = counts
        combinationCount = total
    }

    /// The combinations of `expression`, or nil when they do not fit an Int (nested choices
    /// multiply: 7 levels of two nested choices of two values are 2^128 combinations).
    static func checkedCount(_ expression: ParameterExpression) -> Int? {
        guard case .choice(let options) = expression else { return 1 }
        var sum = 0
        for option in options {
            var product = 1
            for nested in option.nestedExpressions {
                guard let count = checkedCount(nested) else { return nil }
                let (value, overflow) = product.multipliedReportingOverflow(by: count)
                guard !overflow else { return nil }
                product = value
            }
            let (value, overflow) = sum.addingReportingOverflow(product)
            guard !overflow else { return nil }
            sum = value
        }
        return sum
    }

    public func suggest(trialNumber: Int) throws(SweepKitError) -> [Double]? {
        guard trialNumber < combinationCount else { return nil }
        var point = [Double](repeating: 0.5, count: space.dimension)
        var remainder = trialNumber
        var offsets: [Int] = []
        var offset = 0
        for parameter in space.parameters {
            offsets.append(offset)
            offset += parameter.expression.dimension
        }
        for (index, parameter) in space.parameters.enumerated().reversed() {
            Self.place(parameter.expression, combination: remainder % counts[index], into: &point, at: offsets[index])
            remainder /= counts[index]
        }
        return point
    }

    private static func requireChoice(_ expression: ParameterExpression, field: String) throws(SweepKitError) {
        guard case .choice(let options) = expression else {
            throw .validation(
                field: field,
                message: "grid sampling supports only choice expressions, got \(expression.typeName) (This sampling method expects only the following distributions: [choice])")
        }
        for (index, option) in options.enumerated() {
            guard case .nested(let entries) = option else { continue }
            for entry in entries {
                if case .expression(let nested) = entry.content {
                    try requireChoice(nested, field: "\(field).values[\(index)].\(entry.key)")
                }
            }
        }
    }

    static func count(_ expression: ParameterExpression) -> Int {
        guard case .choice(let options) = expression else { return 1 }
        return options.reduce(0) { $0 &+ count($1) }
    }

    static func count(_ option: ChoiceOption) -> Int {
        option.nestedExpressions.reduce(1) { $0 &* count($1) }
    }

    /// Writes the coordinates of combination `combination` of `expression` at `offset`.
    static func place(_ expression: ParameterExpression, combination: Int, into point: inout [Double], at offset: Int) {
        guard case .choice(let options) = expression else { return }
        var local = combination
        var nestedOffset = offset + 1
        for (index, option) in options.enumerated() {
            let optionCount = count(option)
            if local < optionCount {
                point[offset] = ParameterExpression.cellCentre(index, count: options.count)
                let nested = option.nestedExpressions
                var nestedOffsets: [Int] = []
                var cursor = nestedOffset
                for expression in nested {
                    nestedOffsets.append(cursor)
                    cursor += expression.dimension
                }
                for (i, expression) in nested.enumerated().reversed() {
                    let c = count(expression)
                    place(expression, combination: local % c, into: &point, at: nestedOffsets[i])
                    local /= c
                }
                return
            }
            local -= optionCount
            nestedOffset += option.nestedDimension
        }
    }
}
