/// The Sobol sequence in Gray-code order (Antonov–Saleev), with Joe & Kuo's direction numbers and
/// 32-bit resolution. Unscrambled, point i equals `scipy.stats.qmc.Sobol(d, scramble=False)`'s
/// row i bit for bit, the all-zero first point included.
///
/// Scrambled, it applies a random linear matrix scramble (a lower-triangular binary matrix with a
/// unit diagonal per dimension, Matoušek's LMS) and a random digital shift, both drawn from the
/// seed: every 2^m-point block stays a (t, m, s)-net, so the low discrepancy is kept, while
/// different seeds give different, reproducible sequences.
public struct SobolSequence: Sendable {
    static let bits = 32
    public let dimension: Int
    /// `directions[d * 32 + k]`: direction number k of dimension d, left-aligned to 32 bits.
    private var directions: [UInt32]
    private var shift: [UInt32]

    public static var maximumDimension: Int { SobolDirectionNumbers.maximumDimension }

    public init(dimension: Int, scrambleSeed: UInt64? = nil) throws(SweepKitError) {
        guard dimension >= 1, dimension <= Self.maximumDimension else {
            throw .validation(
                field: "sampling_algorithm.rule",
                message: "sobol supports 1 to \(Self.maximumDimension) dimensions, the search space needs \(dimension)")
        }
        self.dimension = dimension
        directions = [UInt32](repeating: 0, count: dimension * Self.bits)
        shift = [UInt32](repeating: 0, count: dimension)
        for k in 0..<Self.bits { directions[k] = 1 << UInt32(Self.bits - 1 - k) }
        let rows = Self.parsedTable
        for d in 1..<dimension {
            let row = rows[d - 1]
            let s = row[0], a = row[1]
            for k in 0..<Self.bits {
                var v: UInt32
                if k < s {
                    v = UInt32(row[2 + k]) << UInt32(Self.bits - 1 - k)
                } else {
                    let older = directions[d * Self.bits + k - s]
                    v = older ^ (older >> UInt32(s))
                    for i in 1..<s where (a >> (s - 1 - i)) & 1 == 1 {
                        v ^= directions[d * Self.bits + k - i]
                    }
                }
                directions[d * Self.bits + k] = v
            }
        }
        if let scrambleSeed { scramble(seed: scrambleSeed) }
    }

    private mutating func scramble(seed: UInt64) {
        var random = SplitMix64(seed: seed ^ 0x536F_626F_6C53_4B00)  // "SobolSK": a stream apart from RandomSampler's
        for d in 0..<dimension {
            // Row i of the lower-triangular matrix acts on digit i (bit 31 - i): the diagonal bit
            // plus random bits for the more significant digits.
            var rowMasks = [UInt32](repeating: 0, count: Self.bits)
            for i in 0..<Self.bits {
                let diagonal: UInt32 = 1 << UInt32(Self.bits - 1 - i)
                let above: UInt32 = i == 0 ? 0 : ~UInt32(0) << UInt32(Self.bits - i)
                rowMasks[i] = diagonal | (UInt32(truncatingIfNeeded: random.next()) & above)
            }
            for k in 0..<Self.bits {
                let v = directions[d * Self.bits + k]
                var scrambled: UInt32 = 0
                for i in 0..<Self.bits where (rowMasks[i] & v).nonzeroBitCount & 1 == 1 {
                    scrambled |= 1 << UInt32(Self.bits - 1 - i)
                }
                directions[d * Self.bits + k] = scrambled
            }
            shift[d] = UInt32(truncatingIfNeeded: random.next())
        }
    }

    /// Point `index` (0-based) as 32-bit integers; the coordinates are these times 2^-32.
    public func integerPoint(index: UInt32) -> [UInt32] {
        let gray = index ^ (index >> 1)
        return (0..<dimension).map { d in
            var x = shift[d]
            var bits = gray
            var k = 0
            while bits != 0 {
                if bits & 1 == 1 { x ^= directions[d * Self.bits + k] }
                bits >>= 1
                k += 1
            }
            return x
        }
    }

    /// Point `index` (0-based) in [0, 1)^dimension.
    public func point(index: UInt32) -> [Double] {
        integerPoint(index: index).map { Double($0) * 0x1p-32 }
    }

    private static let parsedTable: [[Int]] = SobolDirectionNumbers.table.split(separator: "\n").map { line in
        line.split(separator: " ").compactMap { Int($0) }
    }
}
