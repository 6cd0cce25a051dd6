import XCTest
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

final class EvidenceTests: XCTestCase {
    static let models: [any ExactEvidenceModel] = [GaussianEvidenceModel(), BananaEvidenceModel(), TwoModeEvidenceModel()]

    /// Small, fast settings (the coverage test runs 20 seeds of each model).
    func fastOptions(seed: UInt64) -> EvidenceOptions {
        var o = EvidenceOptions(samples: 1500, particles: 96, temperatures: 16, moves: 2, seed: seed)
        o.methods = [.importance, .annealed]
        return o
    }

    /// The defaults of the two former estimators (SMC is the default now: `SMCEvidenceTests`).
    func formerEstimators(_ o: EvidenceOptions = EvidenceOptions()) -> EvidenceOptions {
        var o = o
        o.methods = [.importance, .annealed]
        return o
    }

    /// Both estimators within their stated errors of the exact log Z on each model, with ≥ 90% of 20
    /// seeds inside 2σ (honest errors).
    func testCoverageOnAnalyticModels() throws {
        for model in Self.models {
            let exact = model.exactLogZ
            var hitsIS = 0, hitsAIS = 0
            var worst = (0.0, 0.0)
            var errors: [Double] = []
            for seed in 1...20 {
                let r = try EvidenceRunner.compute(model: model, prior: model.prior, options: fastOptions(seed: UInt64(seed)))
                let (importance, annealed) = (r.importance!, r.annealed!)
                let zIS = abs(importance.logZ - exact) / importance.error
                let zAIS = abs(annealed.logZ - exact) / annealed.error
                if zIS <= 2 { hitsIS += 1 }
                if zAIS <= 2 { hitsAIS += 1 }
                worst = (max(worst.0, zIS), max(worst.1, zAIS))
                errors += [importance.error, annealed.error]
            }
            let name = String(describing: type(of: model))
            print("\(name): exact log Z \(exact); within 2σ: importance \(hitsIS)/20, annealed \(hitsAIS)/20; worst pulls \(worst)")
            // The errors are small, so the coverage is not bought with wide error bars.
            XCTAssertLessThan(errors.sorted()[errors.count / 2], 0.1, name)
            XCTAssertGreaterThanOrEqual(hitsIS, 18, name)
            XCTAssertGreaterThanOrEqual(hitsAIS, 18, name)
        }
    }

    /// At default settings the two estimators agree with the exact value to well under 0.05 and the
    /// two-mode model gets both modes in its reference.
    func testDefaultSettingsAccuracy() throws {
        for model in Self.models {
            let r0 = try EvidenceRunner.compute(model: model, prior: model.prior, options: formerEstimators())
            let r = (r0, importance: r0.importance!, annealed: r0.annealed!)
            let name = String(describing: type(of: model))
            print("\(name): exact \(model.exactLogZ) laplace \(r.0.laplaceLogZ) importance \(r.importance.logZ) ± \(r.importance.error) "
                  + "(ESS \(r.importance.effectiveSampleSize)) annealed \(r.annealed.logZ) ± \(r.annealed.error) (ESS \(r.annealed.effectiveSampleSize))")
            XCTAssertEqual(r.importance.logZ, model.exactLogZ, accuracy: max(0.05, 3 * r.importance.error), name)
            XCTAssertEqual(r.annealed.logZ, model.exactLogZ, accuracy: max(0.05, 3 * r.annealed.error), name)
            XCTAssertEqual(r.0.path.first?.beta, 0)
            XCTAssertEqual(r.0.path.last?.beta, 1)
            XCTAssertEqual(r.0.path.last!.logZ, r.annealed.logZ, accuracy: 1e-12)
            // Gibbs relation at β = 1: S = ⟨χ²/2⟩ + log V + log Z.
            XCTAssertEqual(r.0.entropy, r.0.meanEnergy + r.0.logPriorVolume + r.annealed.logZ, accuracy: 1e-9)
            if model is TwoModeEvidenceModel { XCTAssertEqual(r.0.modes.count, 2) } else { XCTAssertEqual(r.0.modes.count, 1) }
        }
        // Gaussian: ⟨χ²/2⟩ = (χ²_min + n)/2 exactly, entropy = ½ log det(2πe C).
        let g = GaussianEvidenceModel()
        let r = try EvidenceRunner.compute(model: g, prior: g.prior, options: formerEstimators())
        XCTAssertEqual(r.meanEnergy, (20 + 3) / 2, accuracy: 0.15)
        XCTAssertEqual(r.laplaceLogZ, g.exactLogZ, accuracy: 1e-9)
    }

    func testBadInput() {
        let g = GaussianEvidenceModel()
        func message(_ prior: UniformBoxPrior, _ o: EvidenceOptions = EvidenceOptions()) -> String {
            do { _ = try EvidenceRunner.compute(model: g, prior: prior, options: o); return "" } catch { return userMessage(error) }
        }
        var r = g.prior.ranges
        r["b"] = ValueRange(lower: 1, upper: 2)
        XCTAssertTrue(message(UniformBoxPrior(ranges: r)).contains("excludes the minimum"))
        r["b"] = ValueRange(lower: -.infinity, upper: 2)
        XCTAssertTrue(message(UniformBoxPrior(ranges: r)).contains("bounded"))
        r["b"] = nil
        XCTAssertTrue(message(UniformBoxPrior(ranges: r)).contains("no range for parameter 'b'"))
        XCTAssertTrue(message(g.prior, EvidenceOptions(temperature2: 0)).contains("T² must be > 0"))
    }

    /// A prior box wider than the training region, with T² large enough that the posterior spills out
    /// of it, triggers the training-domain warning; a narrow posterior does not.
    func testTrainingDomainWarning() throws {
        let m = QuadraticModel(p: 2, boxSigmas: 2)
        let prior = UniformBoxPrior(ranges: Dictionary(uniqueKeysWithValues: (0..<2).map {
            (m.parameterNames[$0], ValueRange(lower: m.mu[$0] - 20 * m.sigma($0), upper: m.mu[$0] + 20 * m.sigma($0)))
        }))
        let wide = try EvidenceRunner.compute(model: m, prior: prior, options: formerEstimators(EvidenceOptions(temperature2: 4, samples: 500, particles: 32, temperatures: 8)))
        XCTAssertTrue(wide.warnings.contains { $0.contains("edge of the training domain") })
        let narrow = try EvidenceRunner.compute(model: m, prior: prior, options: formerEstimators(EvidenceOptions(temperature2: 0.05, samples: 500, particles: 32, temperatures: 8)))
        XCTAssertFalse(narrow.warnings.contains { $0.contains("edge of the training domain") })
    }
}
