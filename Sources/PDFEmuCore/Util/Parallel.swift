import Dispatch
import Foundation

/// Runs independent jobs on all cores, keeping results in input order.
package enum Parallel {
    /// `transform` applied to 0..<count concurrently; results in index order.
    package static func map<T>(_ count: Int, _ transform: (Int) -> T) -> [T] {
        if count == 0 { return [] }
        if count == 1 { return [transform(0)] }
        let box = ResultBox<T>(count)
        withoutActuallyEscaping(transform) { t in
            DispatchQueue.concurrentPerform(iterations: count) { i in box.set(i, t(i)) }
        }
        return box.values.map { $0! }
    }
}

/// Lock-protected result slots for `Parallel.map`.
private final class ResultBox<T>: @unchecked Sendable {
    var values: [T?]
    let lock = NSLock()
    init(_ n: Int) { values = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ v: T) { lock.lock(); values[i] = v; lock.unlock() }
}
