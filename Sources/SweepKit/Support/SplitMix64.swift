/// SplitMix64 (Steele, Lea & Flood 2014), used counter-based: output `i` of the stream seeded by
/// `seed` is `mix(seed + (i + 1) * golden)`. Random access means trial n's point depends only on
/// the seed and n, so resuming a sweep or asking trials concurrently never changes the sequence.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= Self.golden
        return Self.mix(state)
    }

    /// Output number `index` (0-based) of the stream seeded by `seed`.
    public static func output(seed: UInt64, index: UInt64) -> UInt64 {
        mix(seed &+ (index &+ 1) &* golden)
    }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double in the open interval (0, 1): the centre of one of 2^53 equal cells.
    public static func unitDouble(_ bits: UInt64) -> Double {
        (Double(bits >> 11) + 0.5) * 0x1p-53
    }
}
