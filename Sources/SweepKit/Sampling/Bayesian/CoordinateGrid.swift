/// What the Bayesian sampler knows about each unit-cube coordinate beyond its position: whether it
/// is a Choice (a category) and whether its expression has discrete values (randint and the q*
/// expressions), and how to snap a point onto the values a trial can actually take.
///
/// Snapping makes every point that gives the same parameter values the same point for the GP, so
/// an evaluated configuration has (almost) no posterior variance left and is not suggested again.
struct CoordinateGrid {
    /// Per coordinate: the number of options of a Choice, else nil.
    let categories: [Int?]
    /// Per coordinate: the expression when its values are discrete (randint, q*), else nil.
    let discrete: [ParameterExpression?]
    let logBase: Double

    var dimension: Int { categories.count }

    init(space: SearchSpace, logBase: Double = SearchSpace.naturalLogBase) {
        var categories = [Int?](repeating: nil, count: space.dimension)
        var discrete = [ParameterExpression?](repeating: nil, count: space.dimension)
        space.forEachExpression { expression, offset in
            switch expression {
            case .randint, .qUniform, .qLogUniform, .qNormal, .qLogNormal: discrete[offset] = expression
            case .choice(let options): categories[offset] = options.count
            default: break
            }
        }
        self.categories = categories
        self.discrete = discrete
        self.logBase = logBase
    }

    /// Categorical coordinates at the centre of their option's cell, discrete ones at the
    /// coordinate that stands for their value.
    func snap(_ x: [Double]) -> [Double] {
        var x = x
        for d in 0..<dimension {
            if let count = categories[d] {
                x[d] = ParameterExpression.cellCentre(ParameterExpression.cell(x[d], count: count), count: count)
            } else if let expression = discrete[d] {
                x[d] = expression.canonicalCoordinate(x[d], logBase: logBase)
            }
        }
        return x
    }
}
