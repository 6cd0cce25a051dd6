import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn

/// Exact answers for a χ² computed by MINUIT on the real function (the layout of
/// `hera14_reference.json` in the team's shared data): the minimum, Hesse errors, and where the valley's
/// 1D profiles cross Δχ² = 1 and 10, with the profiled points that let us judge the training domain.
package struct ReferenceData: Sendable {
    /// One interval end of the exact profile.
    package struct End: Sendable {
        /// Where the valley profile crosses the level (MINOS's value where no profile root is given).
        package var value: Double
        /// The profiled θ nearest to the crossing on the reference grid (nil if unknown).
        package var theta: [Double]?
        /// MINOS's own value, for display.
        package var minos: Double?
    }
    /// Parameter names, in θ order.
    package var parameterNames: [String]
    /// Exact χ²_min of the valley.
    package var chi2Min: Double
    /// Exact best fit.
    package var theta: [Double]
    /// Hesse errors (Δχ² = 1).
    package var hesseErrors: [Double]
    /// ends[T²][parameter] = (lower, upper).
    package var ends: [Double: [String: (lower: End?, upper: End?)]]
    /// Reference profile grid range of each parameter.
    package var gridRange: [String: ValueRange]

    /// The parts of the JSON reference file that are read (Codable; snake_case keys in the file).
    private struct File: Decodable {
        struct Minimum: Decodable { var chi2Min: Double; var theta: [String: Double]; var hesseErrors: [String: Double] }
        struct Minos: Decodable {
            var lower: Double?, upper: Double?
            var lowerProfileRoot: Double?, upperProfileRoot: Double?
            var lowerProfileRootStatus: String?, upperProfileRootStatus: String?
        }
        struct Level: Decodable { var params: [String: Minos] }
        struct Profile: Decodable { var values: [Double]; var theta: [[Double]] }
        var parameterNames: [String]
        var minimum: Minimum
        var minos: [String: Level]
        var profiles: [String: Profile]
    }

    /// Reads the JSON reference file.
    package static func read(_ path: String) throws -> ReferenceData {
        guard let data = FileManager.default.contents(atPath: path) else { throw PDFEmuError(file: path, "cannot read reference file") }
        let dec = JSONDecoder()
        dec.keyDecodingStrategy = .convertFromSnakeCase
        dec.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let root: File
        do { root = try dec.decode(File.self, from: data) } catch {
            throw PDFEmuError(file: path, "not a reference file (needs parameter_names, minimum, minos, profiles)")
        }
        let names = root.parameterNames
        var ends: [Double: [String: (lower: End?, upper: End?)]] = [:]
        var ranges: [String: ValueRange] = [:]
        for name in names {
            guard let prof = root.profiles[name], let first = prof.values.first, let last = prof.values.last else { continue }
            ranges[name] = ValueRange(lower: first, upper: last)
            func thetaNear(_ v: Double) -> [Double]? {
                let i = prof.values.indices.min { abs(prof.values[$0] - v) < abs(prof.values[$1] - v) }!
                return i < prof.theta.count ? prof.theta[i] : nil
            }
            for (key, t2) in [("dchi2_1", 1.0), ("dchi2_10", 10.0)] {
                guard let p = root.minos[key]?.params[name] else { continue }
                func end(_ m: Double?, _ profileRoot: Double?, _ status: String?) -> End? {
                    guard let v = (status == "ok" ? profileRoot : nil) ?? m else { return nil }
                    return End(value: v, theta: thetaNear(v), minos: m)
                }
                ends[t2, default: [:]][name] = (end(p.lower, p.lowerProfileRoot, p.lowerProfileRootStatus),
                                                end(p.upper, p.upperProfileRoot, p.upperProfileRootStatus))
            }
        }
        return ReferenceData(parameterNames: names, chi2Min: root.minimum.chi2Min, theta: names.map { root.minimum.theta[$0] ?? .nan },
                             hesseErrors: names.map { root.minimum.hesseErrors[$0] ?? .nan }, ends: ends, gridRange: ranges)
    }
}

/// The closure test: an emulator-based scan against the exact MINUIT answers. Targets: χ²_min within
/// 0.1, best fit within 0.1 Hesse σ, and every interval end that lies inside the training domain within
/// 5% of the exact half-width.
package struct ReferenceComparison: Sendable {
    /// One compared interval end.
    package struct Row: Sendable {
        package var parameter: String
        package var tolerance: Double
        package var side: String
        package var reference: Double
        package var emulator: Double?
        /// |exact end − exact best fit|.
        package var halfWidth: Double
        /// |emulator end − exact end| / half-width.
        package var relativeError: Double?
        /// True if the exact profiled point at this end is inside the emulator's training domain.
        package var insideDomain: Bool
        /// True if compared and within 5% (nil when not compared: outside the domain).
        package var pass: Bool?
    }
    /// Best-fit comparison of one parameter.
    package struct Pull: Sendable {
        package var parameter: String
        package var reference: Double
        package var emulator: Double
        /// (emulator − reference) / Hesse σ.
        package var pull: Double
    }
    package var chi2MinReference: Double
    package var chi2MinEmulator: Double
    package var pulls: [Pull]
    package var rows: [Row]

    /// Thresholds of the targets.
    package static let chi2Tolerance = 0.1, pullTolerance = 0.1, halfWidthTolerance = 0.05

    /// Scan options that reproduce the reference's profiles: its grid ranges, 41 points, T² = 1 and 10.
    package static func scanOptions(_ ref: ReferenceData) -> ScanOptions {
        var o = ScanOptions(profileParameters: ref.parameterNames, tolerances: [1, 10])
        o.ranges = ref.gridRange
        o.points = 41
        return o
    }

    /// Compares a scan result (from `scanOptions`) with the reference.
    package init(model: any ScalarModel, result: ScanResult, reference ref: ReferenceData) throws {
        guard model.parameterNames == ref.parameterNames else {
            throw PDFEmuError(.chi2, "the emulator's parameters \(model.parameterNames.joined(separator: ",")) differ from the reference's")
        }
        chi2MinReference = ref.chi2Min
        chi2MinEmulator = result.minimum.chi2
        pulls = ref.parameterNames.indices.map { i in
            Pull(parameter: ref.parameterNames[i], reference: ref.theta[i], emulator: result.minimum.theta[i],
                 pull: (result.minimum.theta[i] - ref.theta[i]) / ref.hesseErrors[i])
        }
        var rows: [Row] = []
        for t2 in ref.ends.keys.sorted() {
            for (i, name) in ref.parameterNames.enumerated() {
                guard let e = ref.ends[t2]?[name] else { continue }
                let profile = result.profiles.first { $0.parameter == name }
                let interval = profile?.intervals.first { abs($0.tolerance - t2) < 1e-9 }
                for (side, end, emu) in [("lower", e.lower, interval?.lower), ("upper", e.upper, interval?.upper)] {
                    guard let end else { continue }
                    let half = abs(end.value - ref.theta[i])
                    let inside = end.theta.map { model.isInsideTrainingRegion($0) } ?? false
                    let rel = emu.map { abs($0 - end.value) / half }
                    rows.append(Row(parameter: name, tolerance: t2, side: side, reference: end.value, emulator: emu,
                                    halfWidth: half, relativeError: rel, insideDomain: inside,
                                    pass: inside ? (rel.map { $0 <= Self.halfWidthTolerance } ?? false) : nil))
                }
            }
        }
        self.rows = rows
    }

    /// True if every target is met.
    package var passed: Bool {
        abs(chi2MinEmulator - chi2MinReference) <= Self.chi2Tolerance
            && pulls.allSatisfy { abs($0.pull) <= Self.pullTolerance }
            && rows.allSatisfy { $0.pass != false }
    }

    /// The comparison table.
    package func text() -> String {
        var s = "closure against the exact χ² (MINUIT reference)\n"
        let dc = chi2MinEmulator - chi2MinReference
        s += "χ²_min: exact \(Fmt.fixed(chi2MinReference, 4)), emulator \(Fmt.fixed(chi2MinEmulator, 4)), difference \(Fmt.fixed(dc, 4)) (target |Δ| ≤ \(Self.chi2Tolerance)) \(abs(dc) <= Self.chi2Tolerance ? "ok" : "FAIL")\n"
        s += "best fit, pull = (emulator − exact)/Hesse σ (target |pull| ≤ \(Self.pullTolerance)):\n"
        for p in pulls {
            s += "  " + Fmt.pad(p.parameter, 8) + Fmt.num(p.reference, width: 13) + Fmt.num(p.emulator, width: 13)
                + Fmt.pad(Fmt.fixed(p.pull, 3), 9, right: true) + (abs(p.pull) <= Self.pullTolerance ? "  ok" : "  FAIL") + "\n"
        }
        s += "profile interval ends (target |emulator − exact| ≤ 5% of the exact half-width, for ends inside the training domain):\n"
        s += "  " + Fmt.pad("param", 8) + Fmt.pad("Δχ²", 5) + Fmt.pad("side", 6) + Fmt.pad("exact", 13, right: true)
            + Fmt.pad("emulator", 13, right: true) + Fmt.pad("half-width", 12, right: true) + Fmt.pad("error", 9, right: true) + "  result\n"
        for r in rows {
            let verdict = r.pass.map { $0 ? "ok" : "FAIL" } ?? "not compared (exact point outside the training domain)"
            s += "  " + Fmt.pad(r.parameter, 8) + Fmt.pad(Fmt.fixed(r.tolerance, 0), 5) + Fmt.pad(r.side, 6)
                + Fmt.num(r.reference, width: 13) + (r.emulator.map { Fmt.num($0, width: 13) } ?? Fmt.pad("open", 13, right: true))
                + Fmt.num(r.halfWidth, width: 12) + Fmt.pad(r.relativeError.map { String(format: "%.1f%%", 100 * $0) } ?? "-", 9, right: true)
                + "  " + verdict + "\n"
        }
        let compared = rows.filter { $0.pass != nil }
        s += "\(compared.filter { $0.pass == true }.count) of \(compared.count) compared ends within 5%; \(rows.count - compared.count) ends outside the training domain not compared; overall \(passed ? "PASSED" : "FAILED")\n"
        return s
    }
}
