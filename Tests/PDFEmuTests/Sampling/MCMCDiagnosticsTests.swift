import XCTest
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

final class MCMCDiagnosticsTests: XCTestCase {
    /// AR(1) x_t = φ x_{t−1} + ε has τ = (1 + φ)/(1 − φ).
    func testIntegratedTimeOfAR1() {
        var rng = SeededGenerator(seed: 99)
        for phi in [0.0, 0.5, 0.9] {
            let chains: [[Double]] = (0..<8).map { _ in
                var x = rng.nextGaussian() / (1 - phi * phi).squareRoot()
                return (0..<20000).map { _ in x = phi * x + rng.nextGaussian(); return x }
            }
            let tau = MCMCDiagnostics.integratedTime(chains)
            let truth = (1 + phi) / (1 - phi)
            // Relative standard error ≈ √(2(2M+1)/N) with M ≈ 5τ, N = 160000: ≤ 5% here; allow 3σ-ish.
            XCTAssertEqual(tau / truth, 1, accuracy: 0.15, "φ = \(phi): τ = \(tau), expected \(truth)")
        }
    }

    func testAutocorrelationMatchesDirectSum() {
        var rng = SeededGenerator(seed: 1)
        let x = (0..<37).map { _ in rng.nextGaussian() }
        let r = MCMCDiagnostics.autocorrelation(x)
        let m = Stats.mean(x)
        let c0 = x.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        for t in [0, 1, 5, 36] {
            var c = 0.0
            for i in 0..<(37 - t) { c += (x[i] - m) * (x[i + t] - m) }
            XCTAssertEqual(r[t], c / c0, accuracy: 1e-12)
        }
    }

    func testSplitRHat() {
        var rng = SeededGenerator(seed: 2)
        let good = (0..<8).map { _ in (0..<500).map { _ in rng.nextGaussian() } }
        XCTAssertEqual(MCMCDiagnostics.splitRHat(good), 1, accuracy: 0.02)
        // Chains stuck at different places: R̂ ≫ 1.
        let stuck = (0..<8).map { k in (0..<500).map { _ in Double(k) + 0.1 * rng.nextGaussian() } }
        XCTAssertGreaterThan(MCMCDiagnostics.splitRHat(stuck), 3)
        // A drifting chain (trend within each chain) is caught by the split.
        let drift = (0..<8).map { _ in (0..<500).map { i in Double(i) / 50 + rng.nextGaussian() } }
        XCTAssertGreaterThan(MCMCDiagnostics.splitRHat(drift), 1.1)
    }

    func testGeneratorIsReproducibleAndUniform() {
        var a = SeededGenerator(seed: 123), b = SeededGenerator(seed: 123), c = SeededGenerator(seed: 124)
        let xa = (0..<10).map { _ in a.next() }
        XCTAssertEqual(xa, (0..<10).map { _ in b.next() })
        XCTAssertNotEqual(xa, (0..<10).map { _ in c.next() })
        let u = (0..<20000).map { _ in a.nextUniform() }
        XCTAssertTrue(u.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(Stats.mean(u), 0.5, accuracy: 0.01)
        let g = (0..<20000).map { _ in a.nextGaussian() }
        XCTAssertEqual(Stats.mean(g), 0, accuracy: 0.03)
        XCTAssertEqual(Stats.std(g), 1, accuracy: 0.03)
    }
}
