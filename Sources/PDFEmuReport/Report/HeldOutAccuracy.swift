import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn

/// An emulator judged on points it never saw: the RMS error per true-Δχ² bin, the spread's coverage, and
/// the false valleys — the lowest Δχ² (emulated value − the emulator's sample minimum) that local
/// minimisation reaches from given starts (e.g. 200 training points), each start bounded to the training
/// box. A value well below 0 is a valley the network invented below the minimum — or, in a sparse scan,
/// the true minimum lying below the sample's: with the truth at hand (`truth`) the minimisations' ends
/// are judged against it instead (emulated − true χ² there).
package struct HeldOutAccuracy: Sendable, Codable, Equatable {
    /// RMS, mean and largest |error| per bin (total χ²).
    package var accuracy: AccuracyReport.Output
    /// Coverage of the raw and calibrated spread (nil for one member).
    package var coverage: SpreadCoverage?
    /// Lowest Δχ² reached by the minimisations, and how many starts there were.
    package var lowestMinimum: Double, starts: Int
    /// How many minimisations ended more than 0.05 below the sample minimum.
    package var falseValleys: Int
    /// With the truth: the most negative emulated − true χ² at the minimisations' ends, and how many ends
    /// are more than 0.05 below the truth (nil without the truth).
    package var lowestAgainstTruth: Double?, falseValleysAgainstTruth: Int?

    /// The threshold below which a minimum counts as a false valley (Δχ² units).
    package static let valleyThreshold = -0.05

    /// Evaluates `emulator` on `scan` (held-out points) and minimises from `starts`.
    /// `truth`: the true χ² of a point (in the emulator's parameter order), when it can be asked.
    package static func measure(_ emulator: Emulator, heldOut scan: ScanData, starts: [[Double]],
                               truth: (([Double]) -> Double)? = nil) -> HeldOutAccuracy {
        let rows = Array(0..<scan.count)
        let pred = emulator.predictBatch(scan.parameters)
        let delta = rows.map { scan.chi2[$0] - emulator.sampleMinimum }
        let acc = AccuracyReport.bins(name: "total chi2", truth: scan.chi2, predicted: pred.value, deltaChi2: delta)
        let errors = zip(pred.value, scan.chi2).map { $0 - $1 }
        let coverage = emulator.members.count > 1
            ? SpreadCoverage.measure(split: "held-out", errors: errors, rawSpread: pred.rawSpread, spread: pred.spread, deltaChi2: delta) : nil
        let box = zip(emulator.trainingLower, emulator.trainingUpper).map { ParameterConstraint.bounded(lower: $0, upper: $1) }
        let ends = starts.isEmpty ? [] : Minimiser(model: emulator).minimiseMultiStart(from: starts, constraints: box).all
            .filter { $0.value.isFinite }
        let minima = ends.map { $0.value - emulator.sampleMinimum }
        let underTruth = truth.map { t in ends.map { $0.value - t($0.theta) }.filter(\.isFinite) }
        return HeldOutAccuracy(accuracy: acc, coverage: coverage, lowestMinimum: minima.min() ?? .nan, starts: starts.count,
                               falseValleys: minima.filter { $0 < valleyThreshold }.count,
                               lowestAgainstTruth: underTruth.map { $0.min() ?? .nan },
                               falseValleysAgainstTruth: underTruth.map { $0.filter { $0 < valleyThreshold }.count })
    }

    /// One table row: RMS per bin, lowest minimum and valleys, calibrated 2σ coverage per bin.
    package func row(_ label: String) -> String {
        Fmt.pad(label, 24) + accuracy.bins.map { Fmt.pad($0.rms.map { Fmt.fixed($0, 4) } ?? "-", 12, right: true) }.joined()
            + Fmt.pad(Fmt.fixed(lowestMinimum, 3), 10, right: true) + Fmt.pad("\(falseValleys)/\(starts)", 9, right: true)
            + (lowestAgainstTruth.map { Fmt.pad(Fmt.fixed($0, 3), 10, right: true) + Fmt.pad("\(falseValleysAgainstTruth ?? 0)/\(starts)", 9, right: true) } ?? "")
            + (coverage?.bins.map { b in Fmt.pad(b.within2.map { Fmt.fixed(100 * $0, 1) } ?? "-", 11, right: true) }.joined() ?? "   no spread (1 member)")
            + (coverage.map { c in "  | raw" + c.bins.map { b in Fmt.pad(b.rawWithin2.map { Fmt.fixed(100 * $0, 1) } ?? "-", 7, right: true) }.joined() } ?? "")
    }

    /// The header of `row`.
    package static func header(truth: Bool = false) -> String {
        Fmt.pad("structure", 24) + DeltaChi2Bins.labels.map { Fmt.pad("RMS" + $0, 12, right: true) }.joined()
            + Fmt.pad("lowest", 10, right: true) + Fmt.pad("valleys", 9, right: true)
            + (truth ? Fmt.pad("vs true", 10, right: true) + Fmt.pad("valleys", 9, right: true) : "")
            + DeltaChi2Bins.labels.map { Fmt.pad("2σ" + $0, 11, right: true) }.joined() + "  | raw 2σ per bin"
    }
}
