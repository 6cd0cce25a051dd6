import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis

/// How many points `Proposer` proposes and how they are mixed.
///
/// The mix (fractions of `count`): `answerFraction` profiled points along each profile near and
/// beyond each T² crossing (the end itself, then 1.15, 0.95, 1.3, 0.85, 1.6, 1.05 and 2 times its distance from
/// the best fit, taken round-robin over the ends so every end gets points), the Lagrange points
/// around each crossing and the contour vertices; `disagreementFraction` the points inside Δχ² ≤ max T²
/// + margin where the ensemble members disagree most (largest `Prediction.spread`, out of 20 random
/// candidates per slot drawn from the Hessian Gaussian); the rest exploration: points on the surface
/// Δχ² = max T² + margin in random directions (the domain edge the answers touch). Slots a source
/// cannot fill go to the next source.
package struct ProposalOptions: Sendable, Codable, Equatable {
    /// Points to propose.
    package var count: Int
    /// Seed of the random candidates.
    package var seed: UInt64
    /// Δχ² margin above the largest T² for the disagreement region and the exploration surface.
    package var margin: Double
    /// Fraction of points on the answers' paths (profiles, Lagrange scans, contours).
    package var answerFraction: Double
    /// Fraction of points where the ensemble disagrees most.
    package var disagreementFraction: Double
    /// Smallest whitened distance between a proposed point and any other proposed or existing point.
    package var minDistance: Double

    /// Creates options; defaults: 50% answers, 30% disagreement, 20% exploration, margin 2, distance 0.05.
    package init(count: Int, seed: UInt64 = 1, margin: Double = 2, answerFraction: Double = 0.5,
                disagreementFraction: Double = 0.3, minDistance: Double = 0.05) {
        self.count = count; self.seed = seed; self.margin = margin
        self.answerFraction = answerFraction; self.disagreementFraction = disagreementFraction; self.minDistance = minDistance
    }

    /// Throws one line naming the setting at fault.
    package func validate() throws {
        guard count > 0 else { throw SettingError(.proposalCount, "must be > 0, got \(count)") }
        // A candidate pool several times the count, each a point with its distances (1 kB assumed).
        try SizeLimits.validate(.proposalCount, count, cap: 10_000_000, bytesEach: 4096, what: "points")
        guard margin >= 0, margin.isFinite else { throw SettingError(.proposalMargin, "must be ≥ 0, got \(margin)") }
        guard answerFraction >= 0, disagreementFraction >= 0, answerFraction + disagreementFraction <= 1 else {
            throw PDFEmuError(.step("proposal mix"), "fractions must be ≥ 0 and sum to at most 1")
        }
        guard minDistance >= 0, minDistance.isFinite else { throw SettingError(.proposalMinDistance, "must be ≥ 0, got \(minDistance)") }
    }
}

/// Where a proposed point comes from (stored as /proposal_kind).
package enum ProposalKind: Int32, Sendable, Codable, CaseIterable {
    /// A profiled point along a profile near or beyond a T² crossing.
    case profile = 0
    /// A Lagrange-scan point around a crossing.
    case lagrange = 1
    /// A contour vertex.
    case contour = 2
    /// Inside Δχ² ≤ max T² + margin where the ensemble disagrees most.
    case disagreement = 3
    /// On the surface Δχ² = max T² + margin.
    case exploration = 4
}

/// Proposed points: [N, P] row-major with their kinds.
package struct Proposal: Sendable, Equatable {
    /// Parameter names.
    package var parameterNames: [String]
    /// Points [N, P] row-major.
    package var points: [Double]
    /// Kind of each point.
    package var kinds: [ProposalKind]
    /// Candidates rejected as too close to an existing or already proposed point.
    package var duplicates: Int

    /// Number of points.
    package var count: Int { kinds.count }
    /// Points of each kind, in `ProposalKind` order.
    package var counts: [(ProposalKind, Int)] { ProposalKind.allCases.map { k in (k, kinds.filter { $0 == k }.count) } }
    /// The mix as text ("profile 12, lagrange 0, …").
    package var mixText: String { counts.map { "\($0.0) \($0.1)" }.joined(separator: ", ") }

    /// Writes the points file the oracle protocol reads: /parameters [N, P], /parameter_names,
    /// /proposal_kind [N] int32, root attributes `format` = `pdfemu-proposal` and `mix`; atomically.
    package func write(to path: String, attributes: Provenance = []) throws {
        try AtomicOutput.write(to: path) { tmp in
            let f = try HDF5File(create: tmp)
            try f.writePoints(points, parameterNames: parameterNames)
            try f.write("/proposal_kind", kinds.map(\.rawValue), shape: [count])
            try f.writeAttribute("format", "pdfemu-proposal")
            try f.writeAttribute("mix", mixText)
            try f.writeProvenance(attributes)
            try f.flush()
        }
    }

    /// The points as oracle input.
    package var oraclePoints: OraclePoints {
        get throws { try OraclePoints(parameterNames: parameterNames, values: points) }
    }
}

/// Proposes the points whose true χ² would most improve a scan's answers (`pdfemu propose`, and each
/// round of `pdfemu learn`); see `ProposalOptions` for the mix. Distances are whitened: with the
/// emulator's training-domain whitening when the model is an `Emulator`, else in Hessian σ units.
/// Deterministic for a seed.
package enum Proposer {
    /// Proposes `options.count` points for `scan` (a scan of `model` with `scanOptions`), none closer
    /// than `options.minDistance` to each other or to `existing` ([M, P] row-major, e.g. the training points).
    package static func propose(model: any ScalarModel, scan: ScanResult, scanOptions: ScanOptions, existing: [Double] = [],
                               options: ProposalOptions) throws -> Proposal {
        try options.validate()
        let p = scan.parameterNames.count
        let theta0 = scan.minimum.theta, chi0 = scan.minimum.chi2
        let constraints = scan.minimum.constraints
        let sigma = (0..<p).map { scan.hessian.sigma(ofParameter: $0) ?? 0 }
        let whiten: ([Double]) -> [Double]
        if let region = model.trainingRegion, region.whitened(theta0) != nil { whiten = { region.whitened($0)! } } else {
            whiten = { t in (0..<p).map { sigma[$0] > 0 ? (t[$0] - theta0[$0]) / sigma[$0] : 0 } }
        }
        var picker = Picker(p: p, minDistance: options.minDistance, whiten: whiten, existing: existing)
        let nAnswers = Int((options.answerFraction * Double(options.count)).rounded())
        let nDisagree = Int((options.disagreementFraction * Double(options.count)).rounded())

        // 1. The answers' paths, round-robin over the ends.
        let minimiser = Minimiser(model: model, options: scanOptions.minimiser)
        var paths: [[(ProposalKind, () -> [Double]?)]] = []
        for pr in scan.profiles {
            for iv in pr.intervals {
                for (upper, end) in [(false, iv.lower), (true, iv.upper)] {
                    // An open end: aim beyond the farthest grid value on that side.
                    let side = end ?? (upper ? pr.values.last : pr.values.first) ?? pr.best
                    let d = side - pr.best
                    guard d != 0 else { continue }
                    paths.append([1.0, 1.15, 0.95, 1.3, 0.85, 1.6, 1.05, 2.0].map { s in
                        (.profile, {
                            let x = constraints[pr.index].clamp(pr.best + s * d)
                            let r = VerificationPlan.profiled(minimiser, scan: scan, profile: pr, at: x)
                            return r.value.isFinite ? r.theta : nil
                        })
                    })
                }
            }
        }
        for l in scan.lagrange {
            let t2max = scan.tolerances.max() ?? 1
            let near = l.q.indices.filter { l.deltaChi2[$0].isFinite && l.deltaChi2[$0] >= 0.5 && l.deltaChi2[$0] <= 1.5 * t2max && !l.theta[$0].isEmpty }
            paths.append(near.map { i in (.lagrange, { l.theta[i] }) })
        }
        for c in scan.contours {
            for lv in c.levels {
                paths.append(lv.theta.indices.filter { !lv.open[$0] && !lv.theta[$0].isEmpty }.map { i in (.contour, { lv.theta[i] }) })
            }
        }
        var round = 0
        while picker.count < nAnswers && paths.contains(where: { round < $0.count }) {
            for path in paths where round < path.count && picker.count < nAnswers {
                if let t = path[round].1() { picker.offer(t, path[round].0) }
            }
            round += 1
        }

        // 2. Disagreement inside Δχ² ≤ max T² + margin, and 3. exploration on its surface.
        let level = (scan.tolerances.max() ?? 1) + options.margin
        let free = (0..<p).filter { !constraints[$0].isFixed && sigma[$0] > 0 }
        let chol = scan.hessian.positiveDefinite && scan.hessian.indices == free ? try BLAS.cholesky(scan.hessian.covariance, n: free.count) : nil
        func along(_ u: [Double], _ r: Double) -> [Double] {
            var t = theta0
            for (a, i) in free.enumerated() {
                var s = 0.0
                if let l = chol { for b in 0...a { s += l[a * free.count + b] * u[b] } } else { s = sigma[i] * u[a] }
                t[i] = constraints[i].clamp(t[i] + r * s)
            }
            return t
        }
        var rng = SeededGenerator(seed: options.seed)
        func direction() -> [Double] {
            let u = free.map { _ in rng.nextGaussian() }
            let n = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return u.map { $0 / max(n, 1e-300) }
        }
        let disagreeTarget = min(options.count, picker.count + nDisagree)
        if !free.isEmpty {
            var pool: [([Double], Double)] = []
            for _ in 0..<(20 * max(1, disagreeTarget - picker.count)) {
                let u = direction()
                let t = along(u, level.squareRoot() * rng.nextUniform().squareRoot())
                let pred = model.prediction(at: t)
                if pred.value.isFinite && pred.value - chi0 <= level { pool.append((t, pred.spread)) }
            }
            for (t, _) in pool.sorted(by: { $0.1 > $1.1 }) where picker.count < disagreeTarget { picker.offer(t, .disagreement) }
            var tries = 0
            while picker.count < options.count && tries < 50 * options.count {
                tries += 1
                let u = direction()
                guard let r = DesignSampler.crossing(level: level, tolerance: 1e-3 * level, { model.value(at: along(u, $0)) - chi0 }) else { continue }
                picker.offer(along(u, r), .exploration)
            }
        }
        return Proposal(parameterNames: scan.parameterNames, points: picker.points, kinds: picker.kinds, duplicates: picker.rejected)
    }
}

/// Greedy selection of candidates at least `minDistance` apart (whitened) from each other and the existing points.
struct Picker {
    let p: Int
    let minDistance: Double
    let whiten: ([Double]) -> [Double]
    var known: [[Double]]
    var points: [Double] = []
    var kinds: [ProposalKind] = []
    var rejected = 0
    var count: Int { kinds.count }

    init(p: Int, minDistance: Double, whiten: @escaping ([Double]) -> [Double], existing: [Double]) {
        self.p = p; self.minDistance = minDistance; self.whiten = whiten
        known = stride(from: 0, to: existing.count, by: p).map { whiten(Array(existing[$0..<($0 + p)])) }
    }

    mutating func offer(_ theta: [Double], _ kind: ProposalKind) {
        guard theta.count == p, theta.allSatisfy(\.isFinite) else { rejected += 1; return }
        let z = whiten(theta)
        let d2 = minDistance * minDistance
        for k in known {
            var s = 0.0
            for j in 0..<p { let d = z[j] - k[j]; s += d * d; if s >= d2 { break } }
            if s < d2 { rejected += 1; return }
        }
        known.append(z)
        points += theta
        kinds.append(kind)
    }
}

extension Setting {
    /// Number of points a proposal draws.
    package static let proposalCount = Setting("proposal.count")
}

extension Setting {
    /// How far beyond an interval end proposals reach (fraction of the half-width).
    package static let proposalMargin = Setting("proposal.margin")
    /// The smallest whitened distance between a proposal and an evaluated point.
    package static let proposalMinDistance = Setting("proposal.minDistance")
}
