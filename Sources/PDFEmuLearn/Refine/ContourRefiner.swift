import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuAnalysis

/// Coordinates of one line through the true minimum in the plane of parameters a, b: with u = (θ_a − a₀)/σ_a,
/// v = (θ_b − b₀)/σ_b (σ: Hessian errors), y = θ except y_a = r = u·cos φ + v·sin φ and y_b = s = −u·sin φ + v·cos φ.
/// s = 0 is the line at angle φ through (a₀, b₀); r > 0 is the ray φ, r < 0 the ray φ + π, r in units of σ.
package struct RayCoordinates: RefineCoordinates, Equatable {
    /// Indices of the pair's parameters.
    package let a: Int, b: Int
    /// The centre (a₀, b₀): the true minimum's values.
    package let a0: Double, b0: Double
    /// σ_a, σ_b (> 0).
    package let sigmaA: Double, sigmaB: Double
    /// φ, radians.
    package let angle: Double
    /// Names of θ.
    package let thetaNames: [String]
    /// Names of y: θ's with a, b replaced by `r:A__B`, `s:A__B`.
    package let names: [String]

    /// The line at angle `angle` through the centre `theta0` (P entries) in the plane of parameters a, b.
    package init(a: Int, b: Int, theta0: [Double], sigmaA: Double, sigmaB: Double, angle: Double, parameterNames: [String]) {
        self.a = a; self.b = b; a0 = theta0[a]; b0 = theta0[b]; self.sigmaA = sigmaA; self.sigmaB = sigmaB; self.angle = angle
        thetaNames = parameterNames
        var n = parameterNames
        let pair = parameterNames[a] + "__" + parameterNames[b]
        n[a] = "r:" + pair
        n[b] = "s:" + pair
        names = n
    }

    /// ∂θ/∂y in the pair's block: (∂θ_a/∂r, ∂θ_a/∂s, ∂θ_b/∂r, ∂θ_b/∂s).
    var block: (Double, Double, Double, Double) {
        (sigmaA * cos(angle), -sigmaA * sin(angle), sigmaB * sin(angle), sigmaB * cos(angle))
    }

    /// y of θ.
    package func y(_ theta: [Double]) -> [Double] {
        var y = theta
        let u = (theta[a] - a0) / sigmaA, v = (theta[b] - b0) / sigmaB
        y[a] = u * cos(angle) + v * sin(angle)
        y[b] = -u * sin(angle) + v * cos(angle)
        return y
    }

    /// θ of y.
    package func theta(_ y: [Double]) -> [Double] {
        var t = y
        let (r, s) = (y[a], y[b])
        t[a] = a0 + sigmaA * (r * cos(angle) - s * sin(angle))
        t[b] = b0 + sigmaB * (r * sin(angle) + s * cos(angle))
        return t
    }

    /// Jᵀg.
    package func gradient(_ g: [Double]) -> [Double] {
        let (aa, ab, ba, bb) = block
        var out = g
        out[a] = aa * g[a] + ba * g[b]
        out[b] = ab * g[a] + bb * g[b]
        return out
    }

    /// JᵀHJ.
    package func hessian(_ h: [Double]) -> [Double] {
        let p = thetaNames.count
        let (aa, ab, ba, bb) = block
        var hj = h
        for i in 0..<p {
            hj[i * p + a] = h[i * p + a] * aa + h[i * p + b] * ba
            hj[i * p + b] = h[i * p + a] * ab + h[i * p + b] * bb
        }
        var out = hj
        for j in 0..<p {
            out[a * p + j] = aa * hj[a * p + j] + ba * hj[b * p + j]
            out[b * p + j] = ab * hj[a * p + j] + bb * hj[b * p + j]
        }
        return out
    }
}

extension Setting {
    /// Contour vertices refine solves per contour level (rays from the true minimum).
    package static let refineContourVertices = Setting("refine.contourVertices")
}

/// Solves a scan's 2D contours on the true χ², on request: for each contour (pair A, B) and level T², K
/// rays from the certified true minimum in the pair's plane at angles 2πj/K in Hessian-σ units, each vertex
/// the point on the ray where the profiled true Δχ² (the other parameters at a true constrained minimum) is
/// T². Rays j and j + K/2 form one line: one `Refiner` run in `RayCoordinates` whose answers are the two
/// ends of the line's coordinate r (the perpendicular s held at 0), certified as profile ends (stationarity
/// over every parameter but the pair's, and s); all its points of an iteration go to the oracle as one
/// batch. The emulator's vertex on each ray (its polygon, made around its own minimum, cut by the ray) is
/// the start and the `emulator` value.
package struct ContourRefiner: Sendable {
    /// The guide in θ.
    package let guide: any ScalarModel
    /// The scan whose contours are refined.
    package let scan: ScanResult
    /// The true χ² in θ.
    package let oracle: any ChiSquareOracle
    /// One constraint per parameter.
    package let constraints: [ParameterConstraint]
    /// Settings (the budget is shared: see `run(after:store:progress:)`).
    package let options: RefineOptions
    /// K: rays per contour level (even, ≥ 2).
    package let vertices: Int

    /// Creates a refiner; throws naming the setting for an odd K or K < 2, and as `Refiner.init` does.
    package init(guide: any ScalarModel, scan: ScanResult, oracle: any ChiSquareOracle, constraints: [ParameterConstraint]? = nil,
                 options: RefineOptions = RefineOptions(), vertices: Int) throws(SettingError) {
        try Self.validate(vertices: vertices)
        let cons = try Refiner.validate(guide: guide, scan: scan, oracle: oracle, constraints: constraints, options: options)
        self.guide = guide; self.scan = scan; self.oracle = oracle; self.constraints = cons; self.options = options
        self.vertices = vertices
    }

    /// Throws naming the setting unless K is even and ≥ 2 (each line through the minimum gives two rays).
    package static func validate(vertices: Int) throws(SettingError) {
        guard vertices >= 2, vertices % 2 == 0 else {
            throw SettingError(.refineContourVertices, "must be an even number of rays (2 or more: each line through the minimum gives two), got \(vertices)")
        }
    }

    /// `main` with every contour vertex appended (kind `contour`, parameter `A__B`, side `ray j`, exact and
    /// emulator values the distance along the ray in Hessian σ units of A and B, theta in θ), the
    /// evaluations, batches and messages added. The budget left by `main` is shared by the lines in order.
    /// `store(name, yNames)` gives each line's store (nil: memory only).
    package func run(after main: RefineResult, store: (String, [String]) throws -> RefineStore? = { _, _ in nil },
                     progress: (String) -> Void = { _ in }) throws -> RefineResult {
        var out = main
        let names = guide.parameterNames
        let minimum = main.answers.first { $0.kind == "minimum" }
        let start = Refiner.start(from: minimum, scan: scan)
        for c in scan.contours {
            guard let a = names.firstIndex(of: c.a), let b = names.firstIndex(of: c.b) else { continue }
            let pair = c.a + "__" + c.b
            var answers: [RefinedAnswer] = []
            func blank(_ level: Double, _ ray: Int, _ emu: Double?, _ status: RefineStatus, _ note: String) -> RefinedAnswer {
                RefinedAnswer(name: "contour/\(pair) T2=\(Fmt.short(level)) ray \(ray)", kind: "contour", parameter: pair, tolerance: level,
                              side: "ray \(ray)", emulatorValue: emu, exactValue: nil, halfWidthDifference: nil, theta: [], trueChi2: .nan,
                              error: .nan, stationarity: .nan, evaluations: 0, iterations: 0, status: status, note: note)
            }
            guard let sa = scan.hessian.sigma(ofParameter: a), let sb = scan.hessian.sigma(ofParameter: b), sa > 0, sb > 0 else {
                for l in c.levels { for j in 0..<vertices { answers.append(blank(l.level, j, nil, .open, "no Hessian σ of \(c.a) or \(c.b) at the minimum")) } }
                out.answers += answers
                continue
            }
            for line in 0..<(vertices / 2) {
                let angle = 2 * Double.pi * Double(line) / Double(vertices)
                let coords = RayCoordinates(a: a, b: b, theta0: start.theta, sigmaA: sa, sigmaB: sb, angle: angle, parameterNames: names)
                // The emulator's vertex on each side: its polygon at the level cut by s = 0.
                var intervals: [ProfileInterval] = []
                var grid: [(r: Double, theta: [Double], delta: Double)] = [(0, coords.y(start.theta), 0)]
                for l in c.levels {
                    let up = Self.crossing(l, coords: coords, side: 1), down = Self.crossing(l, coords: coords, side: -1)
                    for x in [up, down].compactMap({ $0 }) { grid.append((x.r, x.y, l.level)) }
                    intervals.append(ProfileInterval.ends(tolerance: l.level, lower: down?.r, upper: up?.r))
                }
                grid.sort { $0.r < $1.r }
                let profile = ProfileResult.path(parameter: coords.names[a], index: a, best: 0, values: grid.map(\.r), deltaChi2: grid.map(\.delta),
                                                 theta: grid.map(\.theta), intervals: intervals)
                var yCons = constraints
                yCons[a] = .free
                yCons[b] = .fixed(0)
                let left = options.budget - out.evaluations - out.reused
                func ray(_ side: String?) -> Int { side == "lower" ? line + vertices / 2 : line }
                if left < 1 {
                    for iv in intervals {
                        for (side, v) in [("upper", iv.upper), ("lower", iv.lower)] {
                            answers.append(blank(iv.tolerance, ray(side), v.map(abs), .notCertified, "the budget of \(options.budget) evaluations is spent"))
                        }
                    }
                    continue
                }
                var o = options
                o.budget = left
                let label = "contour \(pair) rays \(line), \(line + vertices / 2)"
                let r = try Refiner.runInCoordinates(coords, guide: guide, scan: scan, oracle: oracle, yConstraints: yCons, start: start,
                                                     profile: profile, options: o, wholeBudget: options.budget, label: label,
                                                     store: try store("contour_\(pair)_\(line)", coords.names), progress: progress)
                out.addCost(of: r, label: label)
                for e in r.answers where e.kind == "profile" {
                    var v = e
                    let k = ray(e.side)
                    v.kind = "contour"; v.parameter = pair; v.side = "ray \(k)"
                    v.name = "contour/\(pair) T2=\(Fmt.short(e.tolerance)) ray \(k)"
                    v.emulatorValue = e.emulatorValue.map(abs)
                    v.exactValue = e.exactValue.map(abs)
                    if let x = v.exactValue, let m = v.emulatorValue, x > 0 { v.halfWidthDifference = (m - x) / x }
                    for i in [a, b] where !v.theta.isEmpty && v.status != .open
                        && (v.theta[i] < constraints[i].lower || v.theta[i] > constraints[i].upper) {
                        v.status = .open
                        v.note = "the vertex lies beyond the bound of \(names[i]) (\(constraints[i].label))"
                    }
                    answers.append(v)
                }
            }
            // Per level, rays in order.
            answers.sort { ($0.tolerance, Int($0.side!.dropFirst(4)) ?? 0) < ($1.tolerance, Int($1.side!.dropFirst(4)) ?? 0) }
            out.answers += answers
        }
        return out
    }

    /// Where the emulator's polygon at `level` crosses the line s = 0 on `side` (+1: r > 0): r there and the
    /// profiled point (in y, interpolated between the two vertices); nil if no edge crosses it there or an
    /// end of the crossing edge is open.
    static func crossing(_ level: ContourLevel, coords: RayCoordinates, side: Double) -> (r: Double, y: [Double])? {
        let n = level.a.count
        guard n >= 2, level.theta.count == n else { return nil }
        let ys = level.theta.map(coords.y)
        var best: (r: Double, y: [Double])?
        for i in 0..<n {
            let j = (i + 1) % n
            let (si, sj) = (ys[i][coords.b], ys[j][coords.b])
            guard (si <= 0 && sj >= 0) || (si >= 0 && sj <= 0), si != sj || si == 0 else { continue }
            let t = si == sj ? 0 : si / (si - sj)
            let r = ys[i][coords.a] + t * (ys[j][coords.a] - ys[i][coords.a])
            guard r * side > 0 else { continue }
            if (i < level.open.count && level.open[i]) || (j < level.open.count && level.open[j]) { continue }
            var y = ys[i]
            for k in y.indices { y[k] += t * (ys[j][k] - ys[i][k]) }
            y[coords.a] = r
            y[coords.b] = 0
            if best == nil || abs(r) < abs(best!.r) { best = (r, y) }
        }
        return best
    }
}
