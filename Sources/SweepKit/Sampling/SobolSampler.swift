/// `RandomSamplingAlgorithm(rule="sobol")`: trial n gets Sobol point n, each coordinate mapped through
/// its expression's inverse CDF, so the sweep is space-filling in every expression.
/// Without a seed the sequence is the plain (unscrambled) one; with a seed it is scrambled.
public final class SobolSampler: Sampler {
    public static let name = "sobol"
    let sequence: SobolSequence

    public init(dimension: Int, seed: UInt64?) throws(SweepKitError) {
        sequence = try SobolSequence(dimension: dimension, scrambleSeed: seed)
    }

    public func suggest(trialNumber: Int) throws(SweepKitError) -> [Double]? {
        guard let index = UInt32(exactly: trialNumber) else {
            throw .misuse("sobol: trial number \(trialNumber) is beyond the 2^32 points of a 32-bit Sobol sequence")
        }
        return sequence.point(index: index)
    }
}
