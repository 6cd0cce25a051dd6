import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn

/// Two scan outputs of the same parameters and tolerances compared, the first taken as exact: the
/// minimum's difference (Δχ²_min, pulls in the exact file's Hessian σ), each profile interval end's
/// error relative to the exact half-width, and the distance between contours of the same pair and level.
package struct ScanComparison: Sendable, Encodable, Equatable {
    /// One parameter's best fit in both scans.
    package struct Pull: Sendable, Encodable, Equatable {
        /// The parameter.
        package var parameter: String
        /// Best fit in the exact scan.
        package var exact: Double
        /// Best fit in the other scan.
        package var other: Double
        /// The exact scan's Hessian error at Δχ² = 1 (nil: fixed, or the Hessian is not positive definite).
        package var sigma: Double?
        /// (other − exact) / σ (nil without σ).
        package var pull: Double?
    }

    /// One profile interval end in both scans.
    package struct End: Sendable, Encodable, Equatable {
        /// The profiled parameter.
        package var parameter: String
        /// The level T² (Δχ²).
        package var tolerance: Double
        /// "lower" or "upper".
        package var side: String
        /// The exact scan's end (nil: open, no crossing within its grid).
        package var exact: Double?
        /// The other scan's end (nil: open).
        package var other: Double?
        /// |exact end − exact best fit| (nil when the exact end is open).
        package var halfWidth: Double?
        /// (other − exact) / half-width, signed (nil when either end is open).
        package var relativeError: Double?
    }

    /// The distance between the contours of one pair at one level, in units of the exact Hessian σ of
    /// each parameter (axes scaled by 1/σ_a and 1/σ_b before measuring).
    package struct ContourDistance: Sendable, Encodable, Equatable {
        /// First parameter.
        package var a: String
        /// Second parameter.
        package var b: String
        /// The Δχ² level.
        package var level: Double
        /// Largest distance from a vertex of either polygon to the other polygon (symmetric Hausdorff
        /// distance over the vertices).
        package var maxDistance: Double
        /// Mean distance of the vertices of both polygons to the other polygon.
        package var meanDistance: Double
    }

    /// Where the scans came from (for the report; nil when built from values).
    package var exactFile: String?
    /// Where the other scan came from.
    package var otherFile: String?
    /// The parameters (equal in both).
    package var parameterNames: [String]
    /// The tolerances T² (equal in both).
    package var tolerances: [Double]
    /// χ²_min of the exact scan.
    package var chi2MinExact: Double
    /// χ²_min of the other scan.
    package var chi2MinOther: Double
    /// chi2MinOther − chi2MinExact.
    package var deltaChi2Min: Double
    /// Best fits, one per parameter.
    package var pulls: [Pull]
    /// Interval ends of the profiles present in both scans, by parameter, tolerance, side.
    package var ends: [End]
    /// Contour distances of the pairs and levels present in both scans.
    package var contours: [ContourDistance]
    /// Units (profiles, contours, levels) present in only one of the scans.
    package var notCompared: [String]

    /// Largest |pull| (nil if none has a σ).
    package var maxAbsPull: Double? { pulls.compactMap { $0.pull.map(abs) }.max() }
    /// Largest |relative error| of an interval end compared (nil if none).
    package var maxAbsRelativeError: Double? { ends.compactMap { $0.relativeError.map(abs) }.max() }

    /// Compares `other` with `exact`. Throws one line if the parameters or the tolerances differ.
    package init(exact: ScanResult, other: ScanResult, exactFile: String? = nil, otherFile: String? = nil) throws {
        let le = exactFile ?? "the exact scan", lo = otherFile ?? "the other scan"
        guard exact.parameterNames == other.parameterNames else {
            throw PDFEmuError(file: lo, "parameters \(other.parameterNames.joined(separator: ",")) differ from \(le)'s "
                              + exact.parameterNames.joined(separator: ","))
        }
        guard exact.tolerances.count == other.tolerances.count,
              zip(exact.tolerances, other.tolerances).allSatisfy({ abs($0 - $1) <= 1e-12 * max(1, abs($0)) }) else {
            func list(_ t: [Double]) -> String { t.map { Fmt.num($0, width: 0) }.joined(separator: ",") }
            throw PDFEmuError(file: lo, "tolerances \(list(other.tolerances)) differ from \(le)'s \(list(exact.tolerances))")
        }
        self.exactFile = exactFile
        self.otherFile = otherFile
        parameterNames = exact.parameterNames
        tolerances = exact.tolerances
        chi2MinExact = exact.minimum.chi2
        chi2MinOther = other.minimum.chi2
        deltaChi2Min = other.minimum.chi2 - exact.minimum.chi2
        pulls = exact.parameterNames.indices.map { i in
            let s = exact.hessian.sigma(ofParameter: i)
            let d = other.minimum.theta[i] - exact.minimum.theta[i]
            return Pull(parameter: exact.parameterNames[i], exact: exact.minimum.theta[i], other: other.minimum.theta[i],
                        sigma: s, pull: s.map { d / $0 })
        }
        var ends: [End] = [], missing: [String] = []
        for pe in exact.profiles {
            guard let po = other.profiles.first(where: { $0.parameter == pe.parameter }) else {
                missing.append("profile/\(pe.parameter) (only in \(le))"); continue
            }
            for (k, ie) in pe.intervals.enumerated() where k < po.intervals.count {
                let io = po.intervals[k]
                for (side, x, y) in [("lower", ie.lower, io.lower), ("upper", ie.upper, io.upper)] {
                    let half = x.map { abs($0 - pe.best) }
                    var rel: Double?
                    if let x, let y, let half, half > 0 { rel = (y - x) / half }
                    ends.append(End(parameter: pe.parameter, tolerance: ie.tolerance, side: side, exact: x, other: y,
                                    halfWidth: half, relativeError: rel))
                }
            }
        }
        missing += other.profiles.filter { po in !exact.profiles.contains { $0.parameter == po.parameter } }
            .map { "profile/\($0.parameter) (only in \(lo))" }
        var contours: [ContourDistance] = []
        for ce in exact.contours {
            guard let co = other.contours.first(where: { $0.a == ce.a && $0.b == ce.b }) else {
                missing.append("contour/\(ce.a)__\(ce.b) (only in \(le))"); continue
            }
            let ia = exact.parameterNames.firstIndex(of: ce.a), ib = exact.parameterNames.firstIndex(of: ce.b)
            for le_ in ce.levels {
                guard let lo_ = co.levels.first(where: { abs($0.level - le_.level) <= 1e-9 * max(1, le_.level) }) else {
                    missing.append("contour/\(ce.a)__\(ce.b) level \(Fmt.num(le_.level, width: 0)) (only in \(le))"); continue
                }
                let sa = ia.flatMap { exact.hessian.sigma(ofParameter: $0) } ?? Self.halfExtent(le_.a)
                let sb = ib.flatMap { exact.hessian.sigma(ofParameter: $0) } ?? Self.halfExtent(le_.b)
                let p = zip(le_.a, le_.b).map { PlotPoint($0 / sa, $1 / sb) }
                let q = zip(lo_.a, lo_.b).map { PlotPoint($0 / sa, $1 / sb) }
                guard !p.isEmpty, !q.isEmpty else { continue }
                let d = p.map { Self.distance($0, toPolygon: q) } + q.map { Self.distance($0, toPolygon: p) }
                contours.append(ContourDistance(a: ce.a, b: ce.b, level: le_.level, maxDistance: d.max()!,
                                                meanDistance: d.reduce(0, +) / Double(d.count)))
            }
        }
        missing += other.contours.filter { co in !exact.contours.contains { $0.a == co.a && $0.b == co.b } }
            .map { "contour/\($0.a)__\($0.b) (only in \(lo))" }
        self.ends = ends
        self.contours = contours
        notCompared = missing
    }

    /// Half the extent of `v` (a scale when no Hessian σ is known; 1 if degenerate).
    static func halfExtent(_ v: [Double]) -> Double {
        guard let lo = v.min(), let hi = v.max(), hi > lo else { return 1 }
        return (hi - lo) / 2
    }

    /// Distance from `x` to the closed polygon through `poly` (to its nearest edge, or its vertex if one).
    static func distance(_ x: PlotPoint, toPolygon poly: [PlotPoint]) -> Double {
        guard poly.count > 1 else { return ((x.x - poly[0].x) * (x.x - poly[0].x) + (x.y - poly[0].y) * (x.y - poly[0].y)).squareRoot() }
        var best = Double.infinity
        for i in poly.indices {
            let a = poly[i], b = poly[(i + 1) % poly.count]
            let dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy
            let t = len2 > 0 ? max(0, min(1, ((x.x - a.x) * dx + (x.y - a.y) * dy) / len2)) : 0
            let px = a.x + t * dx - x.x, py = a.y + t * dy - x.y
            best = min(best, (px * px + py * py).squareRoot())
        }
        return best
    }

    /// The report table.
    package func text() -> String {
        func f(_ x: Double?, _ w: Int = 13) -> String { x.map { Fmt.num($0, width: w) } ?? Fmt.pad("open", w, right: true) }
        func pct(_ x: Double?) -> String { x.map { String(format: "%+.2f%%", 100 * $0) } ?? "-" }
        var s = "comparison: \(otherFile ?? "other") against \(exactFile ?? "exact") (taken as exact)\n"
        s += "χ²_min: exact \(Fmt.fixed(chi2MinExact, 4)), other \(Fmt.fixed(chi2MinOther, 4)), Δχ²_min = \(Fmt.fixed(deltaChi2Min, 4))\n"
        s += "best fit, pull = (other − exact) / exact Hessian σ:\n"
        s += "  " + Fmt.pad("param", 10) + Fmt.pad("exact", 13, right: true) + Fmt.pad("other", 13, right: true)
            + Fmt.pad("σ", 12, right: true) + Fmt.pad("pull", 9, right: true) + "\n"
        for p in pulls {
            s += "  " + Fmt.pad(p.parameter, 10) + Fmt.num(p.exact, width: 13) + Fmt.num(p.other, width: 13)
                + (p.sigma.map { Fmt.num($0, width: 12) } ?? Fmt.pad("fixed", 12, right: true))
                + Fmt.pad(p.pull.map { Fmt.fixed($0, 3) } ?? "-", 9, right: true) + "\n"
        }
        if !ends.isEmpty {
            s += "profile interval ends, error = (other − exact) / exact half-width:\n"
            s += "  " + Fmt.pad("param", 10) + Fmt.pad("Δχ²", 7) + Fmt.pad("side", 6) + Fmt.pad("exact", 13, right: true)
                + Fmt.pad("other", 13, right: true) + Fmt.pad("half-width", 12, right: true) + Fmt.pad("error", 10, right: true) + "\n"
            for e in ends {
                s += "  " + Fmt.pad(e.parameter, 10) + Fmt.pad(Fmt.num(e.tolerance, width: 0, digits: 4), 7) + Fmt.pad(e.side, 6)
                    + f(e.exact) + f(e.other) + f(e.halfWidth, 12) + Fmt.pad(pct(e.relativeError), 10, right: true) + "\n"
            }
        }
        if !contours.isEmpty {
            s += "contours, distance between the polygons in exact Hessian σ (axes scaled by 1/σ):\n"
            for c in contours {
                s += "  " + Fmt.pad("\(c.a), \(c.b)", 20) + Fmt.pad(deltaChi2Label(c.level), 14) + "max "
                    + Fmt.fixed(c.maxDistance, 4) + "  mean " + Fmt.fixed(c.meanDistance, 4) + "\n"
            }
        }
        for m in notCompared { s += "not compared: \(m)\n" }
        s += "summary: Δχ²_min = \(Fmt.fixed(deltaChi2Min, 4)), max |pull| = \(maxAbsPull.map { Fmt.fixed($0, 3) } ?? "-")"
            + ", max |end error| = \(maxAbsRelativeError.map { String(format: "%.2f%%", 100 * $0) } ?? "-") of the half-width"
            + (contours.isEmpty ? "" : ", max contour distance = \(Fmt.fixed(contours.map(\.maxDistance).max()!, 4)) σ") + "\n"
        return s
    }
}
