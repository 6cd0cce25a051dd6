import Foundation

/// A small, fast, seedable pseudo-random generator (xoshiro256**, Blackman & Vigna), seeded through
/// SplitMix64. The same seed gives the same sequence on every platform: used wherever runs must be
/// reproducible (data splits, initialisation, shuffling, MCMC); its state is saved in checkpoints.
package struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Creates a generator whose 256-bit state is filled from `seed` by SplitMix64.
    package init(seed: UInt64) {
        var sm = seed
        func splitMix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// The next 64 random bits.
    package mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// A uniform double in [0, 1) with 53 random bits.
    package mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in 0..<n (n > 0), without modulo bias.
    package mutating func nextInt(below n: Int) -> Int {
        precondition(n > 0, "nextInt(below:) needs n > 0")
        return Int(next(upperBound: UInt64(n)))
    }

    /// A standard normal deviate (Box–Muller; one of the pair is discarded so the state stays simple).
    package mutating func nextGaussian() -> Double {
        var u = nextUniform()
        while u <= 0 { u = nextUniform() }
        let v = nextUniform()
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
    }

    /// A uniform double in [lo, hi).
    package mutating func nextUniform(in lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * nextUniform() }

    /// Fisher–Yates shuffle of `a` in place.
    package mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, nextInt(below: i + 1)) }
    }

    /// The 256-bit state as four words (saved in training checkpoints).
    package var state: [UInt64] {
        get { [s0, s1, s2, s3] }
        set { precondition(newValue.count == 4); s0 = newValue[0]; s1 = newValue[1]; s2 = newValue[2]; s3 = newValue[3] }
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
