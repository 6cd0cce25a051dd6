import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// PDF uncertainty bands at Q0 from an eigenvector set (and optionally MCMC samples): x·f(x) of the
/// flavours `flavourNames` for every member of the set on an x grid, with the Hessian master formulas
/// (`MasterUncertainty`) applied at each flavour and x.
package enum PDFBands {
    /// The flavours of a band, in order: x·g, x·uv, x·dv, x·Ubar (= x·ubar), x·Dbar (= x·(dbar + sbar)), x·s
    /// (= x·sbar), as HERAPDF2.0 quotes them.
    package static let flavourNames = ["g", "uv", "dv", "Ubar", "Dbar", "s"]
    /// Q0² of the parametrisation (GeV²).
    package static let q0Squared = 1.9
    /// Where the band x grid (and its plot axis) changes from log to linear spacing.
    package static let xSplit = 0.1
    /// The smallest x of the default grid.
    package static let xMin = 1e-4

    /// The band grid of `points` values (≥ 4): half log-spaced on [1e-4, 0.1), half linear on [0.1, 1],
    /// ending at x = 1 (where every x·f is 0). Throws one line for fewer than 4 points.
    package static func xGrid(points: Int) throws -> [Double] {
        guard points >= 4 else { throw SettingError(.xPoints, "need at least 4, got \(points)") }
        // Every member and MCMC sample holds six flavours at each x (64 rows of 6 × 8 bytes assumed).
        try SizeLimits.validate(.xPoints, points, cap: 1_000_000, bytesEach: 64 * 6 * 8, what: "x points")
        let nLog = points / 2, nLin = points - nLog
        let lo = log10(xMin), hi = log10(xSplit)
        let logPart = (0..<nLog).map { pow(10, lo + (hi - lo) * Double($0) / Double(nLog)) }
        let linPart = (0..<nLin).map { xSplit + (1 - xSplit) * Double($0) / Double(nLin - 1) }
        return logPart + linPart
    }

    /// x·f(x) of the six band flavours at the 16 parameter values `theta` (the parametrisation's order) on
    /// `x` (each in (0, 1]; x = 1 gives 0): `[flavour][x]`, or why the PDFs do not exist there.
    package static func momentumDensities(theta: [Double], x: [Double]) -> Result<[[Double]], UndefinedPoint> {
        let par = HERAParametrisation(xgrid: x)
        return par.evaluate(theta).map { point in
            let k = par.interior.count
            // Basis g, uv, dv, ubar, dbar, sbar (values f, not x·f) → g, uv, dv, Ubar, Dbar = dbar + sbar, s.
            let rows: [[Int]] = [[0], [1], [2], [3], [4, 5], [5]]
            return rows.map { bs in
                var out = [Double](repeating: 0, count: x.count)
                for (i, gi) in par.interior.enumerated() {
                    out[gi] = x[gi] * bs.reduce(0) { $0 + point.basis[$1 * k + i] }
                }
                return out
            }
        }
    }

    /// The band of `members` (LHAPDF-numbered full 16-parameter vectors; `found` false for open ends,
    /// whose rows are skipped) on `x`, with the 68% envelope of `samples` (full 16-parameter vectors) when
    /// given (`samplesTemperature2`: the T² they were drawn at, for labels). Throws one line when the central member's PDFs do not exist; members or samples where
    /// they do not exist are reported in `warnings` and left out.
    package static func compute(members: [[Double]], found: [Bool], x: [Double], tolerance: Double,
                               samples: [[Double]] = [], samplesTemperature2: Double = 1) throws -> PDFBandResult {
        guard !members.isEmpty, members.count % 2 == 1, found.count == members.count else {
            throw PDFEmuError(.step("PDF bands"), "an eigenvector set needs 2n+1 members with a found flag each, got \(members.count) and \(found.count)")
        }
        let nf = flavourNames.count
        let nan = [[Double]](repeating: [Double](repeating: .nan, count: x.count), count: nf)
        var warnings: [String] = []
        var usable = found
        let values = Parallel.map(members.count) { m -> [[Double]]? in
            guard found[m] else { return nil }
            return try? momentumDensities(theta: members[m], x: x).get()
        }
        if case .failure(let why) = momentumDensities(theta: members[0], x: x) {
            throw PDFEmuError(.step("PDF bands"), "the PDFs of the central member do not exist: \(why.description)")
        }
        for m in 1..<members.count where found[m] && values[m] == nil {
            usable[m] = false
            warnings.append("member \(m): the PDFs do not exist at its parameters; left out of the band")
        }
        let xf = values.map { $0 ?? nan }
        var central = nan, symmetric = nan, plus = nan, minus = nan
        for f in 0..<nf {
            for k in x.indices {
                let u = MasterUncertainty.compute(name: flavourNames[f], values: xf.indices.map { usable[$0] ? xf[$0][f][k] : .nan })
                central[f][k] = u.central; symmetric[f][k] = u.symmetric; plus[f][k] = u.plus; minus[f][k] = u.minus
            }
        }
        var envelope: PDFEnvelope?
        if !samples.isEmpty {
            let sv = Parallel.map(samples.count) { try? momentumDensities(theta: samples[$0], x: x).get() }
            let ok = sv.compactMap { $0 }
            if ok.count < samples.count {
                warnings.append("\(samples.count - ok.count) of \(samples.count) MCMC samples have no PDFs (left out of the envelope)")
            }
            guard ok.count >= 10 else { throw PDFEmuError(.step("PDF bands"), "the MCMC envelope needs at least 10 samples with PDFs, got \(ok.count)") }
            var lower = nan, upper = nan, median = nan
            for f in 0..<nf {
                for k in x.indices {
                    let v = ok.map { $0[f][k] }.sorted()
                    lower[f][k] = Stats.quantileSorted(v, 0.16)
                    median[f][k] = Stats.quantileSorted(v, 0.5)
                    upper[f][k] = Stats.quantileSorted(v, 0.84)
                }
            }
            envelope = PDFEnvelope(samples: ok.count, temperature2: samplesTemperature2, lower: lower, median: median, upper: upper)
        }
        return PDFBandResult(x: x, flavourNames: flavourNames, tolerance: tolerance, memberParameters: members,
                             memberFound: usable, members: xf, central: central, symmetric: symmetric, plus: plus,
                             minus: minus, mcmc: envelope, warnings: warnings)
    }

    /// Full 16-parameter vectors from rows over `names` (a subset of the parametrisation's names) with
    /// the other values from `template` (16 values, e.g. `FKChiSquare.template`). Every name in `free`
    /// must be given by the rows; a name that is fixed (not in `free`) must not be. `what` names the
    /// rows in errors. Throws one line otherwise.
    package static func fullParameters(rows: [[Double]], names: [String], template: [Double], free: [String],
                                      what: String) throws -> [[Double]] {
        let all = HERAParametrisation.parameterNames
        var index: [Int] = []
        for n in names {
            guard let i = all.firstIndex(of: n) else {
                throw PDFEmuError(.input(what), "parameter '\(n)' is not one of the parametrisation's (\(all.joined(separator: " ")))")
            }
            guard free.contains(n) else {
                throw SettingError(.theoryFree, n, "\(what) varies the parameter but the theory options fix it")
            }
            index.append(i)
        }
        for n in free where !names.contains(n) {
            throw SettingError(.theoryFixed, n, "\(what) lacks this free parameter: give it a fixed value")
        }
        return rows.map { row in
            var t = template
            for (j, i) in index.enumerated() { t[i] = row[j] }
            return t
        }
    }
}

/// The 68% envelope of x·f over MCMC samples: the 16% and 84% quantiles (and the median) per flavour and x.
package struct PDFEnvelope: Sendable, Codable, Equatable {
    /// Samples used (those whose PDFs exist).
    package var samples: Int
    /// T² of the sampled density exp(−χ²/(2T²)).
    package var temperature2: Double
    /// 16% quantile, `[flavour][x]`.
    package var lower: [[Double]]
    /// Median, `[flavour][x]`.
    package var median: [[Double]]
    /// 84% quantile, `[flavour][x]`.
    package var upper: [[Double]]
}

/// PDF bands at Q0: x·f of each flavour at each x for every member of an eigenvector set, and the
/// master-formula uncertainties (see `MasterUncertainty`) per flavour and x.
package struct PDFBandResult: Sendable, Codable, Equatable {
    /// The x grid.
    package var x: [Double]
    /// Flavours (`PDFBands.flavourNames`).
    package var flavourNames: [String]
    /// T² of the set's members.
    package var tolerance: Double
    /// The members' 16 parameter values (LHAPDF numbering; NaN rows for open ends).
    package var memberParameters: [[Double]]
    /// Whether each member is in the band (false for open ends and members without PDFs).
    package var memberFound: [Bool]
    /// x·f per member, `[member][flavour][x]` (NaN for members not in the band).
    package var members: [[[Double]]]
    /// x·f of the central member, `[flavour][x]`.
    package var central: [[Double]]
    /// Symmetric master-formula uncertainty ½√Σ(X₊ − X₋)², `[flavour][x]`.
    package var symmetric: [[Double]]
    /// Upward asymmetric uncertainty, `[flavour][x]`.
    package var plus: [[Double]]
    /// Downward asymmetric uncertainty (positive), `[flavour][x]`.
    package var minus: [[Double]]
    /// The 68% envelope of MCMC samples (nil when none were given).
    package var mcmc: PDFEnvelope?
    /// Members or samples left out, and why.
    package var warnings: [String]
}
