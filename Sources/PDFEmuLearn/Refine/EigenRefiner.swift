import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuAnalysis

/// One eigenvector-set end solved on the true χ²: θ₀ + t·s·d_k with Δχ²_true(t) = T², θ₀ the certified
/// true minimum and d_k the model's direction (the ray is the model's; its length is the truth's).
package struct RefinedEigenEnd: Sendable, Codable, Equatable {
    /// 1-based direction number k.
    package var direction: Int
    /// +1 or −1: the side of the direction.
    package var sign: Int
    /// The model's distance t (basis units), nil for an end the model left open.
    package var modelDistance: Double?
    /// The distance t where Δχ²_true = T² within ε, nil if not reached (the note says why).
    package var exactDistance: Double?
    /// The end's parameters (all P; empty if not reached).
    package var theta: [Double]
    /// χ²_true there − χ²_min,true (NaN if not reached).
    package var trueDeltaChi2: Double
    /// trueDeltaChi2 − T² (NaN if not reached).
    package var error: Double
    /// True χ² points this ray asked for.
    package var evaluations: Int
    /// Certified when |error| ≤ ε and the minimum is certified; open when the truth does not reach T² on
    /// the ray inside the bounds, or is undefined on the way; not certified when the budget ran out.
    package var status: RefineStatus
    /// Why an end is open or not certified, or "".
    package var note: String
}

/// The eigenvector set's ends solved on the true χ² from a certified true minimum.
package struct EigenRefineResult: Sendable, Codable, Equatable {
    /// T² of the set.
    package var tolerance: Double
    /// ε: largest |Δχ²_true − T²| at a certified end, χ² units.
    package var epsilon: Double
    /// The true minimum the rays start from (refine's answer).
    package var minimum: RefinedAnswer
    /// Per direction k = 1…K: the + end then the − end.
    package var ends: [RefinedEigenEnd]
    /// True χ² evaluations of the rays (the minimum's are in `minimum.evaluations`).
    package var evaluations: Int
    /// Oracle batches of the rays (every active ray's next point in one batch).
    package var batches: Int

    /// Number of certified ends.
    package var certifiedCount: Int { ends.filter { $0.status == .certified }.count }

    /// `set` with its minimum and members replaced by the exact ones (an end not certified becomes open,
    /// with the reason); Hessian, basis and quantities stay the model's.
    package func applied(to set: EigenvectorSetResult) -> EigenvectorSetResult {
        var r = set
        if !minimum.theta.isEmpty { r.minimum.theta = minimum.theta; r.minimum.chi2 = minimum.trueChi2 }
        for e in ends {
            guard let k = r.directions.firstIndex(where: { $0.index == e.direction }) else { continue }
            var end = e.sign > 0 ? r.directions[k].plus : r.directions[k].minus
            if e.status == .certified {
                end.distance = e.exactDistance; end.theta = e.theta; end.deltaChi2 = e.trueDeltaChi2; end.openReason = nil
            } else {
                end.distance = nil; end.theta = nil; end.deltaChi2 = nil; end.openReason = "on the true χ²: " + e.note
            }
            if e.sign > 0 { r.directions[k].plus = end } else { r.directions[k].minus = end }
        }
        return r
    }
}

/// Solves an eigenvector set's ends on the true χ²: along each model direction ±d_k from the certified
/// true minimum, the first t with Δχ²_true = T² (within ε), by an outward walk (×1.5 from 0.95 of the
/// model's distance, or 0.5·T without one) and Illinois root finding (`RayCrossing`), every ray in its
/// own thread; all rays' next points go to the oracle as one batch (the rays wait for each other).
package struct EigenRefiner: Sendable {
    /// The true χ².
    package let oracle: any ChiSquareOracle
    /// ε of the certificate, χ² units.
    package let epsilon: Double
    /// Most true χ² evaluations of the rays.
    package let budget: Int

    /// Creates a refiner; throws naming the setting for ε ≤ 0 or a budget < 1.
    package init(oracle: any ChiSquareOracle, epsilon: Double = 0.01, budget: Int = 5000) throws(SettingError) {
        var o = RefineOptions(epsilon: epsilon, budget: budget)
        o.gradients = .values
        try o.validate()
        self.oracle = oracle; self.epsilon = epsilon; self.budget = budget
    }

    /// Solves every end of `set` (made on a model with `constraints`) from `minimum`, a refined minimum
    /// (its θ and true χ²; ends are certified only if it is). Throws the oracle's error (what was asked is
    /// lost only with the process: the rays are cheap to redo).
    package func run(set: EigenvectorSetResult, minimum: RefinedAnswer, constraints: [ParameterConstraint],
                     progress: @escaping @Sendable (String) -> Void = { _ in }) throws -> EigenRefineResult {
        let names = set.parameterNames
        guard !minimum.theta.isEmpty, minimum.trueChi2.isFinite else {
            throw SettingError(.refineScan, "the true minimum was not reached (\(minimum.note)): the eigenvector ends cannot be measured from it")
        }
        let x0 = minimum.theta, f0 = minimum.trueChi2, t2 = set.tolerance
        let lower = constraints.map(\.lower), upper = constraints.map(\.upper)
        struct Ray { var k: Int; var sign: Int; var d: [Double]; var model: Double?; var limit: Double }
        var rays: [Ray] = []
        for dir in set.directions {
            for (sign, end) in [(1, dir.plus), (-1, dir.minus)] {
                let d = dir.direction.map { Double(sign) * $0 }
                rays.append(Ray(k: dir.index, sign: sign, d: d, model: end.distance,
                                limit: RayCrossing.limit(centre: x0, direction: d, lower: lower, upper: upper)))
            }
        }
        let batcher = RayBatcher(oracle: oracle, names: names, rays: rays.count, budget: budget, progress: progress)
        final class Box: @unchecked Sendable {
            var outcomes: [RayCrossing.Outcome?]
            let lock = NSLock()
            init(_ n: Int) { outcomes = [RayCrossing.Outcome?](repeating: nil, count: n) }
        }
        let box = Box(rays.count)
        var threads: [Thread] = []
        let done = DispatchGroup()
        for (i, ray) in rays.enumerated() {
            done.enter()
            let start = ray.model.map { 0.95 * $0 } ?? 0.5 * t2.squareRoot()
            let eps = epsilon
            let t = Thread {
                let out = RayCrossing.first(g0: -t2, start: max(1e-12, min(start, ray.limit)), limit: ray.limit, tolerance: eps) { t in
                    let x = zip(x0, ray.d).map { $0 + t * $1 }
                    return batcher.evaluate(ray: i, x) - f0 - t2
                }
                box.lock.lock(); box.outcomes[i] = out; box.lock.unlock()
                batcher.finish(ray: i)
                done.leave()
            }
            t.stackSize = 1 << 22
            threads.append(t)
        }
        for t in threads { t.start() }
        done.wait()
        if let e = batcher.failure { throw e }
        var ends: [RefinedEigenEnd] = []
        for (i, ray) in rays.enumerated() {
            let out = box.outcomes[i]!
            var e = RefinedEigenEnd(direction: ray.k, sign: ray.sign, modelDistance: ray.model, exactDistance: nil, theta: [],
                                    trueDeltaChi2: .nan, error: .nan, evaluations: out.evaluations, status: .open, note: "")
            if let t = out.t {
                e.exactDistance = t
                e.theta = zip(x0, ray.d).map { $0 + t * $1 }
                e.error = out.g
                e.trueDeltaChi2 = t2 + out.g
                if minimum.status == .certified { e.status = .certified } else { e.status = .notCertified; e.note = "the minimum is not certified" }
            } else if batcher.budgetSpent(ray: i) {
                e.status = .notCertified; e.note = "the budget of \(budget) evaluations is spent"
            } else {
                e.note = (out.openReason ?? "not reached").replacingOccurrences(of: " (bounds ∩ training box)", with: " (bounds)")
            }
            ends.append(e)
        }
        return EigenRefineResult(tolerance: t2, epsilon: epsilon, minimum: minimum, ends: ends, evaluations: batcher.evaluations,
                                 batches: batcher.batches)
    }
}

/// Collects one point from every ray still walking, evaluates them as one oracle batch (rows in ray
/// order), and hands each ray its χ² (NaN past the budget or after an oracle failure).
final class RayBatcher: @unchecked Sendable {
    let oracle: any ChiSquareOracle
    let names: [String]
    let budget: Int
    let progress: @Sendable (String) -> Void
    private let condition = NSCondition()
    private var active: Int
    private var pending: [Int: [Double]] = [:]
    private var answers: [Int: Double] = [:]
    private var generation = 0
    private var spent = Set<Int>()
    private(set) var evaluations = 0
    private(set) var batches = 0
    private(set) var failure: (any Error)?

    init(oracle: any ChiSquareOracle, names: [String], rays: Int, budget: Int, progress: @escaping @Sendable (String) -> Void) {
        self.oracle = oracle; self.names = names; active = rays; self.budget = budget; self.progress = progress
    }

    /// True if ray `i` was refused a point for the budget.
    func budgetSpent(ray i: Int) -> Bool { condition.lock(); defer { condition.unlock() }; return spent.contains(i) }

    /// χ² at `x` for ray `i`, once every active ray has asked or finished.
    func evaluate(ray i: Int, _ x: [Double]) -> Double {
        condition.lock()
        defer { condition.unlock() }
        pending[i] = x
        let myGeneration = generation
        if pending.count == active { flush() }
        while generation == myGeneration { condition.wait() }
        return answers[i] ?? .nan
    }

    /// Ray `i` has its end (or gave up): the others no longer wait for it.
    func finish(ray i: Int) {
        condition.lock()
        defer { condition.unlock() }
        active -= 1
        if active > 0 && pending.count == active { flush() }
    }

    /// Evaluates the pending points (lock held) and wakes the rays.
    private func flush() {
        let order = pending.keys.sorted()
        answers = [:]
        if failure == nil, evaluations + order.count <= budget {
            do {
                let points = try OraclePoints(parameterNames: names, values: order.flatMap { pending[$0]! })
                let r = try oracle.evaluate(points)
                for (n, i) in order.enumerated() { answers[i] = r.isDefined(n) ? r.chi2[n] : .nan }
                evaluations += order.count
                batches += 1
                progress("eigen batch \(batches): \(order.count) ray(s), \(evaluations) evaluations")
            } catch { failure = error }
        } else if failure == nil {
            for i in order { spent.insert(i) }
        }
        pending = [:]
        generation += 1
        condition.broadcast()
    }
}
