import XCTest
@testable import PDFEmuNetwork

/// The one target transform: forward and inverse agree, and the inverse's derivatives match finite differences.
final class TargetTransformTests: XCTestCase {
    func testIdentityAtZeroScale() {
        let t = TargetTransform(logScale: 0)
        for d in [-3.0, 0, 0.5, 1e4] {
            XCTAssertEqual(t.forward(d), d); XCTAssertEqual(t.inverse(d), d); XCTAssertEqual(t.inverseDerivative(d), 1)
        }
        var h = [1.0, 2, 2, 5]
        t.inverseHessian(0.7, gradient: [1, 3], hessian: &h)
        XCTAssertEqual(h, [1, 2, 2, 5])
    }

    func testInverseAndDerivativesOfTheLogTransform() {
        let t = TargetTransform(logScale: 20)
        for d in [0.0, 0.3, 10, 250, 5000] {
            XCTAssertEqual(t.inverse(t.forward(d)), d, accuracy: 1e-9 * max(1, d))
            let y = t.forward(d), e = 1e-5 * max(1, y)
            let fd = (t.inverse(y + e) - t.inverse(y - e)) / (2 * e)
            XCTAssertEqual(t.inverseDerivative(y), fd, accuracy: 1e-6 * fd)
        }
        XCTAssertEqual(t.forward(20), 20 * log(2), accuracy: 1e-12)
        // f(x) = inverse(g(x)) with g(x) = a·x₀ + b·x₁²: the Hessian of f by the chain rule and by differences.
        let a = 3.0, b = 2.0, x = [0.4, 1.1]
        func g(_ x: [Double]) -> Double { a * x[0] + b * x[1] * x[1] }
        let gx = g(x), grad = [a, 2 * b * x[1]]
        var h = [0, 0, 0, 2 * b]
        t.inverseHessian(gx, gradient: grad, hessian: &h)
        let e = 1e-4
        for i in 0..<2 { for j in 0..<2 {
            func f(_ di: Double, _ dj: Double) -> Double {
                var y = x; y[i] += di; y[j] += dj; return t.inverse(g(y))
            }
            let fd = (f(e, e) - f(e, -e) - f(-e, e) + f(-e, -e)) / (4 * e * e)
            XCTAssertEqual(h[i * 2 + j], fd, accuracy: 1e-4 * max(1, abs(fd)), "H[\(i),\(j)]")
        } }
    }
}
