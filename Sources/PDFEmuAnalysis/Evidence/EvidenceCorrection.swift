import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// log Z of the true χ² from the emulator's: log Z_true = log Z_emulator + log E_post[w],
/// w = exp(−(χ²_true − χ²_emulator)/(2T²)), the expectation over the emulator's posterior estimated
/// from the true χ² at m posterior draws. Where the true χ² is undefined the true likelihood is 0 (w = 0).
package struct EvidenceCorrection: Sendable, Codable, Equatable {
    /// The oracle asked (its label).
    package var oracle: String
    /// Posterior draws evaluated (m).
    package var points: Int
    /// Draws where the true χ² is defined.
    package var defined: Int
    /// log mean w.
    package var logCorrection: Double
    /// Its error: the larger of the delta-method sd(w)/(mean(w)·√m) and the bootstrap sd of log mean w.
    package var error: Double
    /// The delta-method error alone.
    package var deltaMethodError: Double
    /// The bootstrap error alone (1000 resamples).
    package var bootstrapError: Double
    /// ESS (Σw)²/Σw² of the weights, of `points`.
    package var effectiveSampleSize: Double
    /// Mean and standard deviation of χ²_true − χ²_emulator over the defined draws.
    package var meanDifference: Double, sdDifference: Double
    /// log Z of the emulator and its error.
    package var emulatorLogZ: Double, emulatorError: Double
    /// The corrected log Z = emulator log Z + log mean w.
    package var logZ: Double { emulatorLogZ + logCorrection }
    /// Its error: the two errors in quadrature (independent samples).
    package var logZError: Double { (error * error + emulatorError * emulatorError).squareRoot() }
    /// True when the weights' ESS is at least max(30, 10% of the draws) and the correction is finite.
    package var trusted: Bool { logCorrection.isFinite && effectiveSampleSize >= max(30, 0.1 * Double(points)) }

    /// The correction from the emulator's and the true χ² at the same draws (equal length), with T².
    package static func compute(oracle: String, emulatorChi2: [Double], trueChi2: [Double], temperature2 t2: Double,
                               emulatorLogZ: Double, emulatorError: Double, seed: UInt64 = 1) -> EvidenceCorrection {
        precondition(emulatorChi2.count == trueChi2.count, "one true χ² per draw")
        let m = trueChi2.count
        let diff = zip(trueChi2, emulatorChi2).map { $0.isFinite && $1.isFinite ? $0 - $1 : Double.nan }
        let defined = diff.filter(\.isFinite)
        let lw = diff.map { $0.isFinite ? -$0 / (2 * t2) : -.infinity }
        let est = EvidenceEstimate.from(logWeights: lw, method: "", evaluations: m)
        // log mean w = log Z of the weights.
        var boot: [Double] = []
        var rng = SeededGenerator(seed: seed)
        if m > 1 {
            for _ in 0..<1000 {
                var sample = [Double](repeating: 0, count: m)
                for i in 0..<m { sample[i] = lw[min(m - 1, Int(rng.nextUniform() * Double(m)))] }
                let b = LogSum.exp(sample) - log(Double(m))
                if b.isFinite { boot.append(b) }
            }
        }
        let bm = boot.isEmpty ? 0 : boot.reduce(0, +) / Double(boot.count)
        let bsd = boot.count > 1 ? (boot.reduce(0) { $0 + ($1 - bm) * ($1 - bm) } / Double(boot.count - 1)).squareRoot() : .infinity
        let mean = defined.isEmpty ? Double.nan : defined.reduce(0, +) / Double(defined.count)
        let sd = defined.count > 1 ? (defined.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(defined.count - 1)).squareRoot() : .nan
        return EvidenceCorrection(oracle: oracle, points: m, defined: defined.count, logCorrection: est.logZ,
                                  error: max(est.error, bsd), deltaMethodError: est.error, bootstrapError: bsd,
                                  effectiveSampleSize: est.effectiveSampleSize, meanDifference: mean, sdDifference: sd,
                                  emulatorLogZ: emulatorLogZ, emulatorError: emulatorError)
    }
}
