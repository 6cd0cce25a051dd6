import XCTest
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

/// A model seen through a shift and an offset: value(θ) = base(θ − shift) + offset, so its log Z is the
/// base's − offset/2 when the shift is small against the box (the stand-in "emulator" of a true χ²).
struct ShiftedEvidenceModel<Base: HighDimensionalEvidenceModel>: HighDimensionalEvidenceModel {
    let base: Base
    let shift: [Double]
    let offset: Double
    var lower: [Double] { base.lower }
    var upper: [Double] { base.upper }
    var exactLogZ: Double { base.exactLogZ - offset / 2 }
    func value(at t: [Double]) -> Double { base.value(at: zip(t, shift).map { $0 - $1 }) + offset }
    func gradient(at t: [Double]) -> [Double] { base.gradient(at: zip(t, shift).map { $0 - $1 }) }
}

/// The SMC evidence estimator on analytic 14–16D models with exact log Z.
final class SMCEvidenceTests: XCTestCase {
    static let models: [any HighDimensionalEvidenceModel] = [CorrelatedGaussian16(), Banana14(), TwoModes16(), FlatValley15()]

    func settings(particles: Int, ess: Double = 0.9, moves: Double = 3) -> SequentialMonteCarlo.Settings {
        SequentialMonteCarlo.Settings(particles: particles, essFraction: ess, acceptedMoves: moves, maxSweeps: 40, temperature2: 1)
    }

    /// Sizes of the coverage test: CI runs 2 seeds of each model at K = 4 runs × 150 particles (ESS target
    /// 0.9, 3 accepted moves per temperature); PDFEMU_EVIDENCE_SEEDS, PDFEMU_EVIDENCE_PARTICLES and
    /// PDFEMU_EVIDENCE_RUNS raise them (the figures in the README: 20 seeds × 4 runs × 400 particles).
    static var coverageSizes: (seeds: Int, particles: Int, runs: Int) {
        let env = ProcessInfo.processInfo.environment
        return (Int(env["PDFEMU_EVIDENCE_SEEDS"] ?? "") ?? 2, Int(env["PDFEMU_EVIDENCE_PARTICLES"] ?? "") ?? 150,
                Int(env["PDFEMU_EVIDENCE_RUNS"] ?? "") ?? 4)
    }

    /// Over seeds of each model: the stated 2σ interval (`error2Sigma`, the 95.45% Student-t interval of K runs)
    /// holds the exact log Z in ≥ 90% of seeds, and the errors are bounded (median below 0.5 at CI sizes; 0.05 is
    /// reached on the HERA χ² at K = 8 × 1000, see the README), so the coverage is not bought with wide errors.
    /// Twice the 68.3% error is not that interval at K = 4 (it holds 90.4% of normal means, so ≥ 18 of 20 seeds
    /// fail 30% of the time for a flawless estimator). Adapting each run to its own particles (no pilot) fails
    /// this test: log Z +1.8 too high on the 16D Gaussian at 200 particles.
    func testCoverageOverSeeds() throws {
        let (seeds, particles, runs) = Self.coverageSizes
        var lines: [String] = []
        for model in Self.models {
            let exact = model.exactLogZ
            var hits = 0, hits1 = 0, errors: [Double] = [], pulls: [Double] = []
            for seed in 1...seeds {
                let e = SMCEstimate.compute(model: model, box: model.box, settings: settings(particles: particles), runs: runs,
                                            seed: UInt64(seed) * 1000)
                if abs(e.logZ - exact) <= e.error2Sigma { hits += 1 }
                if abs(e.logZ - exact) <= e.error { hits1 += 1 }
                errors.append(e.error); pulls.append((e.logZ - exact) / e.standardError)
            }
            let name = String(describing: type(of: model))
            let median = errors.sorted()[errors.count / 2]
            lines.append("\(name): exact \(Fmt.fixed(exact, 4)); within the stated 2σ (95.4%) \(hits)/\(seeds), within ±error (68.3%) "
                         + "\(hits1)/\(seeds); median error \(Fmt.fixed(median, 3)); (log Z − exact)/standard error "
                         + "\(pulls.map { Fmt.fixed($0, 2) }.joined(separator: " "))")
            XCTAssertGreaterThanOrEqual(Double(hits), 0.9 * Double(seeds), name)
            XCTAssertLessThan(median, 0.5, name)
        }
        print(lines.joined(separator: "\n"))
    }

    /// K runs combine as log of the mean of their Z (each run's Z is unbiased; the mean of the log Z_k is biased
    /// low by ≈ Var/2), with the delta-method standard error and Student-t intervals at 68.3% and 95.45%.
    func testRunsCombineAsMeanOfZ() {
        let z = [-10.0, -10.2, -9.7, -10.4]
        let c = SMCEstimate.combine(z)
        let w = z.map { exp($0) }
        let mean = w.reduce(0, +) / 4
        let sd = (w.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 3).squareRoot()
        XCTAssertEqual(c.logZ, log(mean), accuracy: 1e-12)
        XCTAssertGreaterThan(c.logZ, z.reduce(0, +) / 4 + 0.01)
        XCTAssertEqual(c.standardError, sd / mean / 2, accuracy: 1e-12)
        XCTAssertEqual(c.error / c.standardError, 1.1969, accuracy: 2e-3)
        XCTAssertEqual(c.error2Sigma / c.standardError, 3.3068, accuracy: 3e-3)
        // Huge log Z do not overflow; equal runs give zero errors; one run gives no error.
        let big = SMCEstimate.combine([-1e6, -1e6])
        XCTAssertEqual(big.logZ, -1e6, accuracy: 1e-6)
        XCTAssertEqual(big.error, 0, accuracy: 1e-12)
        XCTAssertEqual(SMCEstimate.combine([-3]).error2Sigma, .infinity)
        XCTAssertEqual(StudentT.quantile(coverage: SMCEstimate.twoSigma, nu: 7), 2.4288, accuracy: 3e-3)
    }

    /// The two modes keep their mass ratio 1 : 0.5 in the final particles (a sampler stuck in one mode fails).
    func testTwoModesKeepTheirWeights() {
        let m = TwoModes16()
        let e = SMCEstimate.compute(model: m, box: m.box, settings: settings(particles: 200), runs: 4, seed: 3)
        let d = 16
        let right = (0..<e.posteriorChi2.count).filter { e.posterior[$0 * d] > 0 }.count
        XCTAssertEqual(Double(right) / Double(e.posteriorChi2.count), 1.0 / 3, accuracy: 0.06)
    }

    /// Correction by the truth: an "emulator" shifted by 0.3σ with a constant offset 0.8 is corrected to the
    /// true log Z within its error; a shift of 4σ gives a low ESS and the correction says it is not trusted.
    func testOracleCorrection() {
        let truth = CorrelatedGaussian16()
        let l = try! BLAS.cholesky(truth.cov, n: 16)!
        for (size, trusted) in [(0.3, true), (4.0, false)] {
            // Shift along the first column of the Cholesky factor: `size` standard deviations in whitened units.
            let shift = (0..<16).map { size * l[$0 * 16] }
            let emulator = ShiftedEvidenceModel(base: truth, shift: shift, offset: 0.8)
            let e = SMCEstimate.compute(model: emulator, box: emulator.box, settings: settings(particles: 200), runs: 2, seed: 11)
            let draws = e.posteriorDraws(count: 400)
            XCTAssertEqual(draws.theta.count, 400)
            let trueChi2 = draws.theta.map { truth.value(at: $0) }
            let c = EvidenceCorrection.compute(oracle: "truth", emulatorChi2: draws.chi2, trueChi2: trueChi2, temperature2: 1,
                                               emulatorLogZ: e.logZ, emulatorError: e.error)
            print("shift \(size)σ: emulator \(e.logZ) ± \(e.error) (exact \(emulator.exactLogZ)); corrected \(c.logZ) ± \(c.logZError) "
                  + "(exact \(truth.exactLogZ)); ESS \(c.effectiveSampleSize)")
            XCTAssertEqual(c.trusted, trusted)
            if trusted {
                XCTAssertEqual(c.logZ, truth.exactLogZ, accuracy: 3 * c.logZError)
                XCTAssertLessThan(c.error, 0.06)
                XCTAssertGreaterThan(c.effectiveSampleSize, 300)
            }
        }
        // A constant offset is corrected exactly, with every draw counting.
        let c = EvidenceCorrection.compute(oracle: "x", emulatorChi2: [1, 2, 3], trueChi2: [1.5, 2.5, 3.5], temperature2: 1,
                                           emulatorLogZ: -10, emulatorError: 0.01)
        XCTAssertEqual(c.logCorrection, -0.25, accuracy: 1e-12)
        XCTAssertEqual(c.effectiveSampleSize, 3, accuracy: 1e-12)
        XCTAssertEqual(c.logZ, -10.25, accuracy: 1e-12)
        // An undefined true χ² is a zero true likelihood.
        let u = EvidenceCorrection.compute(oracle: "x", emulatorChi2: [1, 1], trueChi2: [1, .nan], temperature2: 1, emulatorLogZ: 0, emulatorError: 0)
        XCTAssertEqual(u.logCorrection, log(0.5), accuracy: 1e-12)
        XCTAssertEqual(u.defined, 1)
    }

    /// The error of the mean of K runs is the 68.3% Student-t half-width: t_3 = 1.197, t_7 = 1.077.
    func testStudentQuantiles() {
        XCTAssertEqual(StudentT.quantile(coverage: 0.682_689_49, nu: 3), 1.1966, accuracy: 2e-3)
        XCTAssertEqual(StudentT.quantile(coverage: 0.682_689_49, nu: 7), 1.0767, accuracy: 2e-3)
        XCTAssertEqual(StudentT.quantile(coverage: 0.95, nu: 1000), 1.962, accuracy: 3e-3)
    }

    /// EvidenceRunner: SMC is the default estimator, its settings are checked, and the old two run by name.
    func testRunnerDefaultsAndSettings() throws {
        let g = GaussianEvidenceModel()
        var o = EvidenceOptions()
        XCTAssertEqual(o.methods, [.smc])
        // The measured defaults (README, Evidence): 8 runs × 1000 particles, 16 accepted moves per temperature
        // (4 left the exact HERA χ²'s low-CDbar branch populated in some runs only), at most 160 sweeps.
        XCTAssertEqual(o.runs, 8); XCTAssertEqual(o.smcParticles, 1000)
        XCTAssertEqual(o.acceptedMoves, 16); XCTAssertEqual(o.maxSweeps, 160)
        o.runs = 2; o.smcParticles = 100
        let r = try EvidenceRunner.compute(model: g, prior: g.prior, options: o)
        XCTAssertNotNil(r.smc); XCTAssertNil(r.importance); XCTAssertNil(r.annealed)
        XCTAssertEqual(r.logZ, r.smc!.logZ)
        XCTAssertEqual(r.logZ, g.exactLogZ, accuracy: 0.3)
        o.runs = 1
        XCTAssertThrowsError(try EvidenceRunner.compute(model: g, prior: g.prior, options: o)) {
            XCTAssertEqual(($0 as? SettingError)?.setting, .evidenceRuns)
        }
    }
}

extension ShiftedEvidenceModel { func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) } }
