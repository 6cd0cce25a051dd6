import Foundation

/// Foundation's pow.
@inline(__always) package func Foundation_pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
/// Foundation's exp.
@inline(__always) package func Foundation_exp(_ x: Double) -> Double { Foundation.exp(x) }
