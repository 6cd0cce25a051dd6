/// FNV-1a, 64 bits: a fast checksum of byte streams (not cryptographic; it detects damage).
package struct FNV1a64: Sendable {
    /// The hash of everything added so far.
    package private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// A fresh hash.
    package init() {}

    /// Adds bytes.
    package mutating func add<S: Sequence>(bytes: S) where S.Element == UInt8 {
        for b in bytes { value = (value ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
    }

    /// Adds each value's little-endian IEEE bytes.
    package mutating func add(_ values: [Double]) {
        for v in values { var u = v.bitPattern.littleEndian; withUnsafeBytes(of: &u) { add(bytes: $0) } }
    }

    /// Adds each value's little-endian IEEE bytes.
    package mutating func add(_ values: [Float]) {
        for v in values { var u = v.bitPattern.littleEndian; withUnsafeBytes(of: &u) { add(bytes: $0) } }
    }

    /// "fnv1a64:" and the value as 16 hex digits.
    package var text: String {
        let hex = String(value, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
