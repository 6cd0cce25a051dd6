import Foundation
import XCTest
@testable import PDFEmuTheory
import PDFEmuTestSupport

/// Exact derivatives of the theory χ² against central finite differences.
final class TheoryDerivativeTests: XCTestCase {
    func testDigammaAndTrigamma() {
        let euler = 0.57721566490153286061
        XCTAssertEqual(Polygamma.digamma(1), -euler, accuracy: 1e-15)
        XCTAssertEqual(Polygamma.digamma(0.5), -euler - 2 * log(2.0), accuracy: 1e-15)
        XCTAssertEqual(Polygamma.digamma(0.01), -100.56088545786867, accuracy: 1e-12)   // ψ(x) ≈ −1/x − γ + (π²/6) x …
        var h = 0.0
        for n in 1...30 { h += 1 / Double(n) }
        XCTAssertEqual(Polygamma.digamma(31), h - euler, accuracy: 1e-14)
        XCTAssertEqual(Polygamma.digamma(1e6), log(1e6) - 0.5e-6 - 1 / (12e12), accuracy: 1e-14)
        XCTAssertEqual(Polygamma.trigamma(1), Double.pi * Double.pi / 6, accuracy: 1e-14)
        XCTAssertEqual(Polygamma.trigamma(0.5), Double.pi * Double.pi / 2, accuracy: 1e-14)
        XCTAssertTrue(Polygamma.digamma(0).isNaN && Polygamma.digamma(-1).isNaN && Polygamma.trigamma(-0.5).isNaN)
        // ψ = (ln Γ)′ and ψ′ = ψ′ against central differences, over the range the sum rules use.
        for x in [0.03, 0.3, 1.4616, 2.7, 9.99, 10.01, 26.5, 140.0] {
            let e = 1e-5 * x
            XCTAssertEqual(Polygamma.digamma(x), (lgamma(x + e) - lgamma(x - e)) / (2 * e), accuracy: 1e-8 * max(1, abs(Polygamma.digamma(x))))
            XCTAssertEqual(Polygamma.trigamma(x), (Polygamma.digamma(x + e) - Polygamma.digamma(x - e)) / (2 * e),
                           accuracy: 1e-7 * Polygamma.trigamma(x))
        }
    }

    /// A θ of the 16-parameter form near the valley, with Duv and fs moved off their usual values.
    func point16() throws -> [Double] {
        let rows = try Theory.bundledRows(40)
        var t = Theory.chi2.fullTheta(rows.theta[37])
        t[6] = 0.7     // Duv
        t[15] = 0.31   // fs
        return t
    }

    func testFlavourJacobianMatchesFiniteDifferences() throws {
        let par = Theory.chi2All16.parametrisation
        let t = try point16()
        let p = try par.evaluate(t, order: 1).get()
        let jac = p.flavourJacobian(), f0 = p.flavours()
        XCTAssertEqual(f0.count, 350)
        for a in 0..<7 { XCTAssertEqual(f0[a * 50 + 49], 0, "f = 0 at x = 1") }
        for i in 0..<16 {
            let e = 1e-6 * max(1, abs(t[i]))
            var tp = t, tm = t
            tp[i] += e; tm[i] -= e
            let fp = try par.evaluate(tp).get().flavours(), fm = try par.evaluate(tm).get().flavours()
            for k in 0..<350 {
                let fd = (fp[k] - fm[k]) / (2 * e)
                XCTAssertEqual(jac[k * 16 + i], fd, accuracy: 1e-6 * (abs(fd) + 1e-3 * abs(f0[k]) + 1e-8),
                               "∂f[\(k)]/∂\(HERAParametrisation.parameterNames[i])")
            }
        }
    }

    func testGradientAndExactHessianMatchFiniteDifferences() throws {
        let model = Theory.chi2All16
        let t = try point16()
        let (v, g, h) = try model.chi2GradientHessian(at: t, kind: .exact).get()
        XCTAssertEqual(v, try model.chi2(at: t).get(), accuracy: 1e-9 * v)
        let ag = try model.chi2AndGradient(at: t).get()
        XCTAssertEqual(ag.gradient, g)
        let n = 16
        let gn = try model.chi2GradientHessian(at: t, kind: .gaussNewton).get().hessian
        var worstG = 0.0, worstH = 0.0, worstGN = 0.0
        for i in 0..<n {
            let e = 1e-5 * max(1, abs(t[i]))
            var tp = t, tm = t
            tp[i] += e; tm[i] -= e
            let fd = (try model.chi2(at: tp).get() - model.chi2(at: tm).get()) / (2 * e)
            worstG = max(worstG, abs(fd - g[i]) / (abs(g[i]) + 1e-3 * v))
            let gp = try model.chi2AndGradient(at: tp).get().gradient, gm = try model.chi2AndGradient(at: tm).get().gradient
            for j in 0..<n {
                let fdh = (gp[j] - gm[j]) / (2 * e)
                let scale = sqrt(abs(h[i * n + i] * h[j * n + j])) + 1e-9
                worstH = max(worstH, abs(fdh - h[j * n + i]) / scale)
                worstGN = max(worstGN, abs(gn[j * n + i] - h[j * n + i]) / scale)
            }
        }
        print("16-parameter derivatives: gradient rel. error \(worstG), exact Hessian rel. error \(worstH), "
              + "Gauss–Newton minus exact (residual-curvature term) rel. \(worstGN)")
        XCTAssertLessThan(worstG, 1e-6)
        XCTAssertLessThan(worstH, 1e-6)
        // The curvature term is not negligible here: Gauss–Newton alone is a different matrix.
        XCTAssertGreaterThan(worstGN, 1e-4)
        for i in 0..<n { for j in 0..<n { XCTAssertEqual(h[i * n + j], h[j * n + i], accuracy: 1e-9 * (abs(h[i * n + j]) + 1)) } }
    }

    func testFreeSubsetDerivativesAreTheFullOnesRestricted() throws {
        let model = Theory.chi2
        let theta = try Theory.bundledRows(3).theta[2]
        let full = try Theory.chi2All16.chi2GradientHessian(at: model.fullTheta(theta)).get()
        let sub = try model.chi2GradientHessian(at: theta).get()
        XCTAssertEqual(sub.value, full.value)
        let free = model.freeIndices
        XCTAssertEqual(free.count, 14)
        for (a, i) in free.enumerated() {
            XCTAssertEqual(sub.gradient[a], full.gradient[i])
            for (b, j) in free.enumerated() { XCTAssertEqual(sub.hessian[a * 14 + b], full.hessian[i * 16 + j], accuracy: 1e-9 * abs(full.hessian[i * 16 + j]) + 1e-12) }
        }
        let m = model.valueGradientHessian(at: theta)
        XCTAssertEqual(m.value, sub.value)
        XCTAssertEqual(m.gradient, sub.gradient)
    }
}
