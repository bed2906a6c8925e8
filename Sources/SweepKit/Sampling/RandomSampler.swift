/// `RandomSamplingAlgorithm(rule="random")`: independent uniform coordinates.
///
/// Coordinate j of trial n is output `n * dimension + j` of a counter-based SplitMix64 stream
/// (see `SplitMix64`), so the same seed gives the same trials from Python, Swift and YAML, in any
/// ask order. Without a seed the engine draws one and reports it in the sweep's configuration.
public final class RandomSampler: Sampler {
    public static let name = "random"
    let dimension: Int
    let seed: UInt64

    public init(dimension: Int, seed: UInt64) {
        self.dimension = dimension
        self.seed = seed
    }

    public func suggest(trialNumber: Int) throws(SweepKitError) -> [Double]? {
        let base = UInt64(trialNumber) &* UInt64(dimension)
        return (0..<dimension).map { j in
            SplitMix64.unitDouble(SplitMix64.output(seed: seed, index: base &+ UInt64(j)))
        }
    }
}
