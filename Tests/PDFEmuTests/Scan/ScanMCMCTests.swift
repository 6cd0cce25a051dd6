import XCTest
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
@testable import PDFEmuReport
import PDFEmuTestSupport

/// MCMC inside `ScanRunner`: marginals of analytic Gaussians, fixed parameters, HMC, options, combining.
final class ScanMCMCTests: XCTestCase {
    /// At T², exp(−χ²/(2T²)) with χ² = χ0 + uᵀC⁻¹u is N(μ, T²·C); with p1 fixed at μ1 the others follow
    /// the conditional covariance (C⁻¹ restricted to the free parameters)⁻¹·T².
    func testEnsembleRunsRecoverTheGaussianMarginalsWithAFixedParameter() throws {
        let m = QuadraticModel(p: 3)
        let t2 = 4.0
        var o = ScanOptions(profileParameters: [], fixed: ["p1": m.mu[1]])
        o.mcmc = ScanMCMCOptions(chains: 2, steps: 1500, burnIn: 200, seed: 11, temperature2: t2)
        let r = try ScanRunner.run(model: m, options: o)
        XCTAssertEqual(r.units, ["mcmc/chain0", "mcmc/chain1"])
        let mc = try XCTUnwrap(r.mcmc)
        XCTAssertEqual(mc.chains.map(\.index), [0, 1])
        XCTAssertEqual(mc.chains.map { $0.result.options.seed }, [11, 12])
        XCTAssertNotEqual(mc.chains[0].result.samples, mc.chains[1].result.samples)
        let c = mc.combined
        XCTAssertEqual(c.parameterNames, ["p0", "p2"])
        XCTAssertEqual(c.sampleCount, 2 * 32 * 1500)
        XCTAssertEqual(c.chi2.count, c.samples.count / 2)
        let free = [0, 2]
        let sub = free.flatMap { i in free.map { j in m.inv[i * 3 + j] } }
        let cond = try XCTUnwrap(try BLAS.spdInverse(sub, n: 2))
        for (k, i) in free.enumerated() {
            let sd = (t2 * cond[k * 2 + k]).squareRoot()
            XCTAssertEqual(c.mean[k], m.mu[i], accuracy: 0.12 * sd, "mean of p\(i)")
            XCTAssertEqual(c.std[k], sd, accuracy: 0.08 * sd, "std of p\(i)")
            XCTAssertEqual(c.upper68[k] - c.lower68[k], 2 * sd, accuracy: 0.12 * sd)
            XCTAssertLessThan(c.splitRHat[k], 1.1)
            XCTAssertEqual(c.effectiveSampleSize[k], mc.chains.reduce(0) { $0 + $1.result.effectiveSampleSize[k] }, accuracy: 1e-9)
        }
        // The report prints the MCMC section with T² and the marginal table.
        let text = r.text()
        XCTAssertTrue(text.contains("MCMC: 2 of 2 independent runs"), text)
        XCTAssertTrue(text.contains("T² = 4"), text)
        XCTAssertTrue(text.contains("68% low"), text)
        // JSON holds summaries, not the samples.
        let json = try Fmt.json(r)
        XCTAssertTrue(json.contains("\"chainIndices\""))
        XCTAssertFalse(json.contains("\"samples\""))
        XCTAssertLessThan(json.utf8.count, 50_000)
    }

    func testSamplesOutsideTheTrainingDomainAreWarnedAbout() throws {
        let m = QuadraticModel(p: 2, boxSigmas: 1)
        var o = ScanOptions(profileParameters: [])
        o.mcmc = ScanMCMCOptions(steps: 300, burnIn: 100, temperature2: 1)
        let r = try ScanRunner.run(model: m, options: o)
        let c = try XCTUnwrap(r.mcmc?.combined)
        // Two parameters at T² = 1 inside a ±1σ box: about 1 − 0.683² ≈ 53% of samples outside.
        XCTAssertEqual(c.outsideDomainFraction, 1 - 0.6827 * 0.6827, accuracy: 0.08)
        XCTAssertTrue(r.text().contains("outside the training domain"))
    }

    func testHMCRunInsideAScan() throws {
        let m = QuadraticModel(p: 3, quartic: 0)
        var o = ScanOptions(profileParameters: ["p0"], points: 9)
        o.mcmc = ScanMCMCOptions(sampler: .hmc, chains: 1, steps: 800, burnIn: 200, seed: 3)
        let r = try ScanRunner.run(model: m, options: o)
        let c = try XCTUnwrap(r.mcmc?.combined)
        XCTAssertEqual(c.method, .hmc)
        XCTAssertEqual(r.profiles.count, 1)
        for i in 0..<3 {
            XCTAssertEqual(c.mean[i], m.mu[i], accuracy: 0.15 * m.sigma(i))
            XCTAssertEqual(c.std[i], m.sigma(i), accuracy: 0.1 * m.sigma(i))
        }
    }

    func testBadMCMCSettingsAreOneLineErrors() throws {
        let m = QuadraticModel(p: 3)
        func message(_ mc: ScanMCMCOptions, fixed: [String: Double] = [:]) -> String {
            var o = ScanOptions(profileParameters: [], fixed: fixed)
            o.mcmc = mc
            do { _ = try ScanRunner.run(model: m, options: o); return "" } catch { return userMessage(error) }
        }
        func setting(_ mc: ScanMCMCOptions) -> ScanSetting? {
            var o = ScanOptions(profileParameters: [])
            o.mcmc = mc
            do { _ = try ScanRunner.run(model: m, options: o); return nil } catch { return (error as? ScanSettingError)?.setting }
        }
        XCTAssertEqual(setting(ScanMCMCOptions(steps: 0)), .mcmcSteps)
        XCTAssertEqual(setting(ScanMCMCOptions(chains: 0)), .mcmcChains)
        XCTAssertEqual(setting(ScanMCMCOptions(burnIn: -1)), .mcmcBurnIn)
        XCTAssertEqual(setting(ScanMCMCOptions(steps: 10, thin: 20)), .mcmcThin)
        XCTAssertEqual(setting(ScanMCMCOptions(temperature2: 0)), .mcmcTemperature2)
        XCTAssertEqual(setting(ScanMCMCOptions(walkers: 5)), .mcmcWalkers)
        XCTAssertTrue(message(ScanMCMCOptions(steps: 0)).hasPrefix("mcmc.steps: need at least 1"), message(ScanMCMCOptions(steps: 0)))
        XCTAssertTrue(message(ScanMCMCOptions(walkers: 4)).contains("walkers must be even and at least"))
        XCTAssertTrue(message(ScanMCMCOptions(), fixed: ["p0": 0, "p1": 0, "p2": 0]).contains("nothing to sample"))
    }

    func testCombiningRunsPoolsSamplesAndRejectsMisfits() throws {
        let m = QuadraticModel(p: 2)
        let start = MCMCStart.gaussian(centre: m.mu, covariance: m.cov, scale: 1)
        let a = try EnsembleSampler.run(model: m, start: start, options: MCMCOptions(steps: 200, burnIn: 50, seed: 1))
        let b = try EnsembleSampler.run(model: m, start: start, options: MCMCOptions(steps: 200, burnIn: 50, seed: 2))
        XCTAssertEqual(try MCMCResult.combining([a]), a)
        let c = try MCMCResult.combining([a, b])
        XCTAssertEqual(c.samples, a.samples + b.samples)
        XCTAssertEqual(c.evaluations, a.evaluations + b.evaluations)
        XCTAssertEqual(c.acceptanceRate, 0.5 * (a.acceptanceRate + b.acceptanceRate), accuracy: 1e-15)
        XCTAssertEqual(c.bestChi2, min(a.bestChi2, b.bestChi2))
        XCTAssertEqual(c.mean[0], 0.5 * (a.mean[0] + b.mean[0]), accuracy: 1e-12)
        let short = try EnsembleSampler.run(model: m, start: start, options: MCMCOptions(steps: 100, burnIn: 50, seed: 2))
        XCTAssertThrowsError(try MCMCResult.combining([a, short]))
        XCTAssertThrowsError(try MCMCResult.combining([]))
    }
}
