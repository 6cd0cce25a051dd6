import XCTest
@testable import PDFEmuCore

/// The one outward walk: a bracket, the two rules for undefined values, the limit and the step cap.
final class OutwardWalkTests: XCTestCase {
    private func point(_ x: Double, _ g: Double) -> BracketPoint { BracketPoint(x: x, g: g, theta: [x], converged: true) }
    private let start = BracketPoint(x: 0, g: -1, theta: [0], converged: true)

    func testBracketsTheFirstCrossingAndWarmStartsFromTheLastPoint() {
        var warms: [[Double]] = []
        let out = OutwardWalk.walk(from: start, first: 1, growth: 2, limit: .infinity, maxSteps: 10, undefined: .stops) { x, w in
            warms.append(w); return self.point(x, x * x - 10)
        }
        guard case .bracket(let lo, let hi) = out else { return XCTFail("\(out)") }
        XCTAssertEqual([lo.x, hi.x], [2, 4])
        XCTAssertEqual(warms, [[0], [1], [2]])
        let root = ProfileRoot.illinois(lo: lo, hi: hi, tolerance: 1e-10) { x, _ in self.point(x, x * x - 10) }
        XCTAssertEqual(root.point.x, 10.0.squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(ProfileRoot.bisect(lo: lo.x, hi: hi.x, tolerance: 1e-10) { $0 * $0 - 10 }!, 10.0.squareRoot(), accuracy: 1e-9)
    }

    func testUndefinedValuesStopOrCountAsAbove() {
        let g: (Double) -> Double = { $0 < 3 ? -1 : .nan }
        let stops = OutwardWalk.walk(from: start, first: 1, growth: 2, limit: .infinity, maxSteps: 10, undefined: .stops) { x, _ in self.point(x, g(x)) }
        guard case .undefined(let at, let lo) = stops else { return XCTFail("\(stops)") }
        XCTAssertEqual([at.x, lo.x], [4, 2])
        let above = OutwardWalk.walk(from: start, first: 1, growth: 2, limit: .infinity, maxSteps: 10, undefined: .countsAsAbove) { x, _ in self.point(x, g(x)) }
        guard case .bracket(let l, let h) = above else { return XCTFail("\(above)") }
        XCTAssertEqual([l.x, h.x], [2, 4])
        // Bisection with undefined counting as above finds where g is defined and within tolerance, or nothing.
        XCTAssertNil(ProfileRoot.bisect(lo: 2, hi: 4, tolerance: 1e-6) { $0 < 3 ? -1 : .nan })
    }

    func testTheLimitAndTheStepCapEndTheWalkOpen() {
        let limited = OutwardWalk.walk(from: start, first: 1, growth: 3, limit: 5, maxSteps: 10, undefined: .stops) { x, _ in self.point(x, -1) }
        guard case .limitReached(let lo) = limited else { return XCTFail("\(limited)") }
        XCTAssertEqual(lo.x, 5)
        var n = 0
        let capped = OutwardWalk.walk(from: start, first: 1, growth: 2, limit: .infinity, maxSteps: 4, undefined: .stops) { x, _ in n += 1; return self.point(x, -1) }
        guard case .stepsExhausted(let last) = capped else { return XCTFail("\(capped)") }
        XCTAssertEqual([last.x, Double(n)], [8, 4])
    }
}
