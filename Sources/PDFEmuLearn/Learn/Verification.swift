import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis

/// How `Verification` judges an answer: ε(T²) = max(floor, slope·T²) χ² units, and how many MCMC
/// samples it checks.
package struct VerificationOptions: Sendable, Codable, Equatable {
    /// Smallest tolerated |Δχ²_emulator − Δχ²_true| (χ² units).
    package var epsilonFloor: Double
    /// Tolerated error per unit of T².
    package var epsilonSlope: Double
    /// MCMC samples evaluated (evenly spaced through the pooled samples; 0: none).
    package var mcmcSamples: Int

    /// Creates options; the defaults are ε = max(0.02, 0.02·T²) and 100 MCMC samples.
    package init(epsilonFloor: Double = 0.02, epsilonSlope: Double = 0.02, mcmcSamples: Int = 100) {
        self.epsilonFloor = epsilonFloor; self.epsilonSlope = epsilonSlope; self.mcmcSamples = mcmcSamples
    }

    /// ε(T²) = max(floor, slope·T²).
    package func epsilon(_ t2: Double) -> Double { max(epsilonFloor, epsilonSlope * t2) }

    /// Throws one line naming the setting if ε would not be positive or the sample count is negative.
    package func validate() throws {
        guard epsilonFloor >= 0, epsilonSlope >= 0, epsilonFloor.isFinite, epsilonSlope.isFinite, epsilonFloor + epsilonSlope > 0 else {
            throw SettingError(.verifyEpsilon, "give FLOOR[,SLOPE] ≥ 0, not both 0 (got \(epsilonFloor),\(epsilonSlope))")
        }
        guard mcmcSamples >= 0 else { throw SettingError(.verifyMCMCSamples, "must be ≥ 0, got \(mcmcSamples)") }
    }
}

/// One answer of a scan checked against the true χ²: the minimum, one end of a profile or Lagrange
/// interval at one T², one contour level, or the MCMC sample.
package struct VerifiedAnswer: Sendable, Codable, Equatable {
    /// The answer's name: `minimum`, `profile/NAME T2=t lower|upper`, `lagrange/qK T2=t lower|upper`,
    /// `contour/A__B level=l`, `mcmc`.
    package var name: String
    /// `minimum`, `profile`, `lagrange`, `contour` or `mcmc`.
    package var kind: String
    /// The T² (or contour level) the answer belongs to (1 for the minimum, the sampled T² for MCMC).
    package var tolerance: Double
    /// The answer's value where it has one (an interval end; the minimum's χ²); nil otherwise.
    package var value: Double?
    /// Largest |Δχ²_emulator − Δχ²_true| over the answer's points (for the minimum: |χ²_emulator −
    /// χ²_true| at the minimum; for MCMC: the largest reweighted-mean shift in units of σ). NaN if the
    /// oracle left a point undefined or the answer has no point (an open end).
    package var error: Double
    /// The tolerance ε the error is compared with.
    package var epsilon: Double
    /// True if every point of the answer was evaluated and `error ≤ epsilon`.
    package var certified: Bool
    /// Why an answer could not be certified beyond its error (open end, undefined χ²), or "".
    package var note: String
}

/// A point at which the true χ² was asked, with the emulated and true Δχ².
package struct VerifiedPoint: Sendable, Codable, Equatable {
    /// Index of the answer the point belongs to (into `Verification.answers`).
    package var answer: Int
    /// The point (all parameters).
    package var theta: [Double]
    /// Emulated χ² minus the emulator's χ²_min.
    package var emulatedDelta: Double
    /// True χ² (NaN where the oracle left it undefined).
    package var trueChi2: Double
    /// True χ² minus the true χ² at the emulator's minimum.
    package var trueDelta: Double
    /// Emulated minus true Δχ².
    package var error: Double { emulatedDelta - trueDelta }
}

/// The MCMC samples checked: importance weights w = exp(−(χ²_true − χ²_emulator)/(2T²)) on the verified
/// subsample, their effective sample size (Σw)²/Σw², and the marginals before and after reweighting.
package struct VerifiedMCMC: Sendable, Codable, Equatable {
    /// Sampled (free) parameters.
    package var parameterNames: [String]
    /// T² of the sampled density.
    package var temperature2: Double
    /// Normalised importance weights (sum 1) of the verified samples, in `points` order of kind mcmc.
    package var weights: [Double]
    /// Effective sample size of the weights.
    package var effectiveSampleSize: Double
    /// Marginal means and σ of the verified subsample, unweighted.
    package var mean: [Double], sigma: [Double]
    /// Marginal means and σ after reweighting to the true χ².
    package var reweightedMean: [Double], reweightedSigma: [Double]
}

/// A scan's answers checked against the true χ² through an oracle (`pdfemu scan --verify`): the true χ²
/// at the minimum, at the profiled point of every interval end (re-profiled with the model at the end's
/// value), at every closed contour vertex, at the Lagrange points bracketing every interval end, and at
/// an evenly spaced subsample of the MCMC samples. Δχ²_true is taken relative to the true χ² at the
/// emulator's minimum. An answer is certified when it has points, every one is defined, nothing blocks
/// it (an open end or open contour vertex, noted in `VerifiedAnswer.note`), and
/// |Δχ²_emulator − Δχ²_true| ≤ ε(T²) there; the minimum when |χ²_emulator − χ²_true| ≤ ε(1); the MCMC
/// sample when the effective sample size is at least half the verified samples and no reweighted
/// mean moves by more than 0.1 σ.
package struct Verification: Sendable, Codable, Equatable {
    /// The oracle asked (its label).
    package var oracle: String
    /// The settings used.
    package var options: VerificationOptions
    /// The emulator's χ²_min and the true χ² at the emulator's minimum.
    package var emulatedChi2Min: Double, trueChi2AtMinimum: Double
    /// Every answer checked, in scan order (minimum, profiles, contours, Lagrange scans, MCMC).
    package var answers: [VerifiedAnswer]
    /// Every point evaluated.
    package var points: [VerifiedPoint]
    /// The MCMC check (nil: the scan has no MCMC samples, or none were asked).
    package var mcmc: VerifiedMCMC?

    /// True χ² minus emulated χ² at the emulator's minimum.
    package var chi2MinDifference: Double { trueChi2AtMinimum - emulatedChi2Min }
    /// Number of certified answers.
    package var certifiedCount: Int { answers.filter(\.certified).count }
    /// True if every answer is certified.
    package var allCertified: Bool { answers.allSatisfy(\.certified) }
    /// The largest error at an answer with a finite error, relative to its ε (NaN if none).
    package var largestRelativeError: Double {
        answers.filter { $0.error.isFinite }.map { $0.error / $0.epsilon }.max() ?? .nan
    }

    /// Checks `scan` (a scan of `model` with `scanOptions`) against `oracle`, asking each distinct
    /// point once. `record` receives the planned points and the oracle's answer (a repeated point with
    /// its first occurrence's) as soon as they come back, before anything else uses them (an
    /// active-learning loop stores them there); it also gets the rows evaluated before a failure.
    /// Throws one line if the oracle fails.
    package static func run(model: any ScalarModel, scan: ScanResult, scanOptions: ScanOptions, oracle: any ChiSquareOracle,
                           options: VerificationOptions = VerificationOptions(),
                           record: (OraclePoints, OracleResult) throws -> Void = { _, _ in }) throws -> Verification {
        try options.validate()
        let plan = VerificationPlan.make(model: model, scan: scan, scanOptions: scanOptions, options: options)
        // Each distinct point is asked once (the minimum, a contour vertex and a Lagrange point can coincide).
        var first: [[UInt64]: Int] = [:], distinct: [Int] = [], slot: [Int] = []
        for t in plan.thetas {
            let key = t.map(\.bitPattern)
            if let k = first[key] { slot.append(k) } else { first[key] = distinct.count; slot.append(distinct.count); distinct.append(slot.count - 1) }
        }
        var chi2: [Double] = []
        if !distinct.isEmpty {
            let points = try OraclePoints(parameterNames: scan.parameterNames, values: distinct.flatMap { plan.thetas[$0] })
            let outcome = oracle.evaluate(points, chunkSize: 0)
            // `record` sees the planned points in order (a repeat carries its first occurrence's answer):
            // the longest prefix whose distinct points were evaluated.
            let n = slot.firstIndex { $0 >= outcome.result.count } ?? slot.count
            let r = outcome.result, e = r.experimentCount
            let expanded = try OracleResult(chi2: slot[0..<n].map { r.chi2[$0] }, experimentNames: r.experimentNames,
                                            chi2PerExperiment: slot[0..<n].flatMap { r.chi2PerExperiment[($0 * e)..<(($0 + 1) * e)] },
                                            reasons: slot[0..<n].map { r.undefinedReasons[$0] })
            try record(try OraclePoints(parameterNames: scan.parameterNames, values: plan.thetas[0..<n].flatMap { $0 }), expanded)
            if let failure = outcome.failure { throw SettingError(.verifyOracle, failure.description) }
            chi2 = slot.map { outcome.result.chi2[$0] }
        }
        return plan.judge(chi2: chi2, oracle: oracle.label, options: options)
    }
}

/// The points a verification asks about, grouped by answer, and how each answer is judged.
struct VerificationPlan {
    let scan: ScanResult
    var answers: [VerifiedAnswer] = []
    var thetas: [[Double]] = []
    var emulated: [Double] = []
    var owner: [Int] = []
    var mcmcRows: [Int] = []
    var mcmcFree: [[Double]] = []

    init(scan: ScanResult) { self.scan = scan }

    /// Every answer's points for `scan` (a scan of `model` with `scanOptions`), in answer order.
    static func make(model: any ScalarModel, scan: ScanResult, scanOptions: ScanOptions, options: VerificationOptions) -> VerificationPlan {
        var plan = VerificationPlan(scan: scan)
        plan.addMinimum()
        plan.addProfiles(model: model, options: scanOptions)
        plan.addContours()
        plan.addLagrange()
        if options.mcmcSamples > 0 { plan.addMCMC(count: options.mcmcSamples) }
        return plan
    }

    mutating func answer(_ name: String, _ kind: String, _ t2: Double, _ value: Double?, note: String = "") -> Int {
        answers.append(VerifiedAnswer(name: name, kind: kind, tolerance: t2, value: value, error: .nan, epsilon: 0,
                                      certified: false, note: note))
        return answers.count - 1
    }

    mutating func point(_ a: Int, _ theta: [Double], _ delta: Double) {
        thetas.append(theta); emulated.append(delta); owner.append(a)
    }

    mutating func addMinimum() {
        let a = answer("minimum", "minimum", 1, scan.minimum.chi2)
        point(a, scan.minimum.theta, 0)
    }

    /// One answer per end of each interval of a profile or Lagrange scan (`unit` names it, e.g.
    /// "profile/Bg"); an open end is an answer without points, a closed one gets its points from `add`
    /// (answer index, T², the end's value, true for the upper end).
    mutating func addEnds(_ unit: String, kind: String, _ intervals: [ProfileInterval],
                          _ add: (inout VerificationPlan, Int, Double, Double, Bool) -> Void) {
        for iv in intervals {
            for (upper, end) in [(false, iv.lower), (true, iv.upper)] {
                let name = "\(unit) T2=\(Fmt.num(iv.tolerance, width: 0, digits: 6)) \(upper ? "upper" : "lower")"
                guard let x = end else { _ = answer(name, kind, iv.tolerance, nil, note: "open end: Δχ² never reached T² on the scan"); continue }
                add(&self, answer(name, kind, iv.tolerance, x), iv.tolerance, x, upper)
            }
        }
    }

    /// Each closed end re-profiled at its value (warm-started from the nearest grid point on its side).
    mutating func addProfiles(model: any ScalarModel, options: ScanOptions) {
        let minimiser = Minimiser(model: model, options: options.minimiser)
        for pr in scan.profiles {
            addEnds("profile/\(pr.parameter)", kind: "profile", pr.intervals) { plan, a, _, x, _ in
                let r = Self.profiled(minimiser, scan: plan.scan, profile: pr, at: x)
                guard r.value.isFinite else { plan.answers[a].note = "the model is undefined at the end's profiled point"; return }
                plan.point(a, r.theta, r.value - plan.scan.minimum.chi2)
            }
        }
    }

    /// The profiled point of `profile` at `x`: the model minimised with the parameter fixed at x,
    /// warm-started from the nearest grid point.
    static func profiled(_ minimiser: Minimiser, scan: ScanResult, profile pr: ProfileResult, at x: Double) -> MinimiserResult {
        var constraints = scan.minimum.constraints
        constraints[pr.index] = .fixed(x)
        let near = pr.values.indices.filter { !pr.theta[$0].isEmpty }.min { abs(pr.values[$0] - x) < abs(pr.values[$1] - x) }
        var start = near.map { pr.theta[$0] } ?? scan.minimum.theta
        start[pr.index] = x
        return minimiser.minimise(from: start, constraints: constraints)
    }

    mutating func addContours() {
        for c in scan.contours {
            for lv in c.levels {
                let a = answer("contour/\(c.a)__\(c.b) level=\(Fmt.num(lv.level, width: 0, digits: 6))", "contour", lv.level, nil)
                let closed = lv.a.indices.filter { !lv.open[$0] && lv.deltaChi2[$0].isFinite && !lv.theta[$0].isEmpty }
                if closed.count < lv.a.count { answers[a].note = "\(lv.a.count - closed.count) open vertices not verified" }
                if closed.isEmpty { answers[a].note = "no closed vertex" }
                for v in closed { point(a, lv.theta[v], lv.deltaChi2[v]) }
            }
        }
    }

    /// The two Lagrange points bracketing each interval end (consecutive points on the end's side,
    /// ordered outward, with Δχ² on either side of T²).
    mutating func addLagrange() {
        for l in scan.lagrange {
            addEnds("lagrange/\(l.name)", kind: "lagrange", l.intervals) { plan, a, t2, _, upper in
                let rows = l.q.indices.filter { (upper ? l.q[$0] >= l.best : l.q[$0] <= l.best) && l.deltaChi2[$0].isFinite && !l.theta[$0].isEmpty }
                    .sorted { abs(l.q[$0] - l.best) < abs(l.q[$1] - l.best) }
                guard let k = zip(rows, rows.dropFirst()).first(where: { l.deltaChi2[$0.0] <= t2 && l.deltaChi2[$0.1] > t2 }) else {
                    plan.answers[a].note = "no bracketing Lagrange points"; return
                }
                plan.point(a, l.theta[k.0], l.deltaChi2[k.0])
                plan.point(a, l.theta[k.1], l.deltaChi2[k.1])
            }
        }
    }

    /// An evenly spaced subsample of the pooled MCMC samples, expanded to all parameters.
    mutating func addMCMC(count: Int) {
        guard let mc = scan.mcmc?.combined, mc.sampleCount > 0 else { return }
        let a = answer("mcmc", "mcmc", mc.options.temperature2, nil)
        let n = min(count, mc.sampleCount), f = mc.parameterNames.count
        let index = mc.parameterNames.map { scan.parameterNames.firstIndex(of: $0)! }
        for k in 0..<n {
            let row = k * mc.sampleCount / n
            let free = Array(mc.samples[(row * f)..<((row + 1) * f)])
            var theta = scan.minimum.theta
            for (j, i) in index.enumerated() { theta[i] = free[j] }
            point(a, theta, mc.chi2[row] - scan.minimum.chi2)
            mcmcRows.append(thetas.count - 1)
            mcmcFree.append(free)
        }
    }

    /// The verification, given the true χ² at every planned point.
    /// `missing`: planned points left unasked (the budget was spent); their answers are not certified.
    func judge(chi2: [Double], oracle: String, options: VerificationOptions, missing: Set<Int> = []) -> Verification {
        let trueMin = chi2.first ?? .nan
        var points: [VerifiedPoint] = []
        for i in thetas.indices {
            points.append(VerifiedPoint(answer: owner[i], theta: thetas[i], emulatedDelta: emulated[i], trueChi2: chi2[i],
                                        trueDelta: chi2[i] - trueMin))
        }
        var answers = self.answers
        var mcmc: VerifiedMCMC?
        for a in answers.indices {
            answers[a].epsilon = options.epsilon(answers[a].tolerance)
            let mine = points.indices.filter { points[$0].answer == a }
            guard !mine.isEmpty else { continue }
            let unasked = mine.filter { missing.contains($0) }.count
            if unasked > 0 {
                answers[a].note = (answers[a].note.isEmpty ? "" : answers[a].note + "; ") + "not verified: the budget was spent before \(unasked) point(s) were asked"
                continue
            }
            let undefined = mine.filter { !points[$0].trueChi2.isFinite }.count
            if undefined > 0 {
                answers[a].note = (answers[a].note.isEmpty ? "" : answers[a].note + "; ") + "true χ² undefined at \(undefined) point(s)"
            }
            switch answers[a].kind {
            case "minimum":
                answers[a].error = abs(scan.minimum.chi2 - trueMin)
            case "mcmc":
                let m = reweight(points: mine.map { points[$0] })
                mcmc = m
                let shift = zip(zip(m.mean, m.reweightedMean), m.sigma).map { abs($0.0 - $0.1) / max($1, 1e-300) }.max() ?? .nan
                answers[a].error = undefined > 0 ? .nan : shift
                answers[a].epsilon = 0.1
                answers[a].certified = undefined == 0 && shift <= 0.1 && m.effectiveSampleSize >= 0.5 * Double(mine.count)
                continue
            default:
                answers[a].error = undefined > 0 ? .nan : mine.map { abs(points[$0].error) }.max()!
            }
            answers[a].certified = answers[a].note.isEmpty && answers[a].error <= answers[a].epsilon
        }
        return Verification(oracle: oracle, options: options, emulatedChi2Min: scan.minimum.chi2, trueChi2AtMinimum: trueMin,
                            answers: answers, points: points, mcmc: mcmc)
    }

    /// Importance weights of the verified MCMC samples and the marginals before and after.
    func reweight(points: [VerifiedPoint]) -> VerifiedMCMC {
        let mc = scan.mcmc!.combined
        let t2 = mc.options.temperature2
        let logw = points.map { -($0.trueChi2 - ($0.emulatedDelta + scan.minimum.chi2)) / (2 * t2) }
        let finite = logw.map { $0.isFinite ? $0 : -.infinity }
        let top = finite.max() ?? 0
        var w = finite.map { top.isFinite ? exp($0 - top) : 0 }
        let sum = w.reduce(0, +)
        if sum > 0 { w = w.map { $0 / sum } }
        let ess = w.reduce(0) { $0 + $1 * $1 } > 0 ? 1 / w.reduce(0) { $0 + $1 * $1 } : 0
        let f = mc.parameterNames.count, n = mcmcFree.count
        func moments(_ weight: [Double]) -> ([Double], [Double]) {
            var mean = [Double](repeating: 0, count: f), sd = mean
            for j in 0..<f {
                mean[j] = (0..<n).reduce(0) { $0 + weight[$1] * mcmcFree[$1][j] }
                sd[j] = (0..<n).reduce(0) { $0 + weight[$1] * (mcmcFree[$1][j] - mean[j]) * (mcmcFree[$1][j] - mean[j]) }.squareRoot()
            }
            return (mean, sd)
        }
        let (m0, s0) = moments([Double](repeating: 1 / Double(max(n, 1)), count: n))
        let (m1, s1) = moments(w)
        return VerifiedMCMC(parameterNames: mc.parameterNames, temperature2: t2, weights: w, effectiveSampleSize: ess,
                            mean: m0, sigma: s0, reweightedMean: m1, reweightedSigma: s1)
    }
}

extension Setting {
    /// The oracle a scan's answers are verified with.
    package static let verifyOracle = Setting("verify.oracle")
    /// ε of verification: floor and slope.
    package static let verifyEpsilon = Setting("verify.epsilon")
    /// MCMC samples checked by verification.
    package static let verifyMCMCSamples = Setting("verify.mcmcSamples")
}
