import Foundation

/// Foundation's log, under a name that does not clash with local functions.
@inline(__always) func Foundation_log(_ x: Double) -> Double { Foundation.log(x) }
/// Foundation's cos, under a name that does not clash with local functions.
@inline(__always) func Foundation_cos(_ x: Double) -> Double { Foundation.cos(x) }
/// Foundation's pow.
@inline(__always) func Foundation_pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
/// Foundation's exp.
@inline(__always) func Foundation_exp(_ x: Double) -> Double { Foundation.exp(x) }
