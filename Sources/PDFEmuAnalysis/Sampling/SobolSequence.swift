import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// The Sobol low-discrepancy sequence in up to 16 dimensions (Joe & Kuo direction numbers,
/// new-joe-kuo-6.21201, first 16 dimensions; Gray-code construction, 32-bit), with an optional random
/// digital shift (XOR of each coordinate with a seeded random 32-bit word), which keeps the
/// stratification: every 2^m consecutive points from the start put exactly one point in each
/// dyadic interval of width 2^-m of every coordinate.
package struct SobolSequence: Sendable {
    /// Most dimensions supported.
    package static let maxDimension = 16
    /// (degree s, polynomial coefficients a, initial direction numbers m) for dimensions 2…16.
    static let table: [(s: Int, a: UInt32, m: [UInt32])] = [
        (1, 0, [1]), (2, 1, [1, 3]), (3, 1, [1, 3, 1]), (3, 2, [1, 1, 1]), (4, 1, [1, 1, 3, 3]),
        (4, 4, [1, 3, 5, 13]), (5, 2, [1, 1, 5, 5, 17]), (5, 4, [1, 1, 5, 5, 5]), (5, 7, [1, 1, 7, 11, 19]),
        (5, 11, [1, 1, 5, 1, 1]), (5, 13, [1, 1, 1, 3, 11]), (5, 14, [1, 3, 5, 5, 31]),
        (6, 1, [1, 3, 3, 9, 7, 49]), (6, 13, [1, 1, 1, 15, 21, 21]), (6, 16, [1, 3, 1, 13, 27, 49]),
    ]

    /// Dimensions.
    package let dimension: Int
    private var v: [[UInt32]]    // direction numbers [dimension][32]
    private var x: [UInt32]
    private let shift: [UInt32]
    private var index: UInt32 = 0

    /// A sequence in `dimension` (1…16) dimensions; with `seed`, digitally shifted by a random word per
    /// dimension. The all-zero first point of the unshifted sequence is included (index 0).
    package init(dimension: Int, seed: UInt64? = nil) throws(PDFEmuError) {
        guard dimension >= 1 && dimension <= Self.maxDimension else {
            throw PDFEmuError(.step("Sobol sequence"), "\(dimension) dimensions (supported: 1…\(Self.maxDimension))")
        }
        self.dimension = dimension
        var v = [[UInt32]](repeating: [UInt32](repeating: 0, count: 32), count: dimension)
        for k in 0..<32 { v[0][k] = 1 << (31 - UInt32(k)) }
        for d in 1..<dimension {
            let (s, a, m) = Self.table[d - 1]
            for k in 0..<min(s, 32) { v[d][k] = m[k] << (31 - UInt32(k)) }
            if s < 32 {
                for k in s..<32 {
                    var value = v[d][k - s] ^ (v[d][k - s] >> UInt32(s))
                    for j in 1..<s where (a >> UInt32(s - 1 - j)) & 1 == 1 { value ^= v[d][k - j] }
                    v[d][k] = value
                }
            }
        }
        self.v = v
        x = [UInt32](repeating: 0, count: dimension)
        if let seed {
            var g = SeededGenerator(seed: seed)
            shift = (0..<dimension).map { _ in UInt32(truncatingIfNeeded: g.next() >> 32) }
        } else {
            shift = [UInt32](repeating: 0, count: dimension)
        }
    }

    /// The next point in [0, 1)^dimension.
    package mutating func next() -> [Double] {
        let out = (0..<dimension).map { Double(x[$0] ^ shift[$0]) * 0x1.0p-32 }
        // Gray code: flip the direction number of the lowest zero bit of the index.
        var c = 0
        var i = index
        while i & 1 == 1 { i >>= 1; c += 1 }
        if c < 32 { for d in 0..<dimension { x[d] ^= v[d][c] } }
        index &+= 1
        return out
    }
}
