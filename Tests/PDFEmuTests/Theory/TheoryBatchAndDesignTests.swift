import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

/// Batched evaluation, SHA-256, the Sobol sequence and the design sampler.
final class TheoryBatchAndDesignTests: XCTestCase {
    func testBatchEqualsPointEvaluationAndFlagsUndefinedRows() throws {
        let model = Theory.chi2
        let rows = try Theory.bundledRows(300)
        var points = rows.theta.flatMap { $0 }
        points[5 * 14 + 4] = -0.3       // row 5: Buv < 0
        points[9 * 14 + 7] = 1e308      // row 9: Euv huge: defined (normalisation absorbs it) or overflow, never a crash
        var seen: [Int] = []
        let r = model.evaluateBatch(points, chunk: 8) { seen.append($0) }
        XCTAssertEqual(seen, [256, 300], "progress every 32 chunks")
        XCTAssertTrue(r.value[5].isNaN)
        XCTAssertTrue((0..<7).allSatisfy { r.perExperiment[5 * 7 + $0].isNaN })
        XCTAssertEqual(r.undefinedReasons.firstIndex { $0 != nil }, 5)
        XCTAssertEqual(r.undefinedReasons[5], "sum rule undefined: B(Buv, Cuv+1) has argument -0.3 ≤ 0 (from Buv = -0.3)")
        for i in 0..<300 where i != 5 && i != 9 {
            let single = try model.chi2PerExperiment(at: Array(points[(i * 14)..<((i + 1) * 14)])).get()
            XCTAssertEqual(r.value[i], single.total, accuracy: 1e-10 * single.total)
            XCTAssertEqual(r.value[i], rows.chi2[i], accuracy: 1e-9 * rows.chi2[i])
            for e in 0..<7 { XCTAssertEqual(r.perExperiment[i * 7 + e], single.perExperiment[e], accuracy: 1e-10 * single.perExperiment[e]) }
        }
        let totalOnly = model.evaluateBatch(points, perExperiment: false)
        XCTAssertTrue(totalOnly.perExperiment.isEmpty)
        XCTAssertEqual(totalOnly.value[17], r.value[17])
    }

    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(Data(repeating: UInt8(ascii: "a"), count: 1000)),
                       "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    func testSobolIsStratifiedInEveryDimension() throws {
        var s = try SobolSequence(dimension: 16)
        let first = s.next()
        XCTAssertEqual(first, [Double](repeating: 0, count: 16))
        XCTAssertEqual(s.next(), [Double](repeating: 0.5, count: 16))
        // Gray-code order: dimension 1 runs 0, ½, ¾, ¼, …; dimension 2 (m = 1, x + 1) 0, ½, ¼, ¾, …
        XCTAssertEqual(Array(s.next()[0...1]), [0.75, 0.25])
        XCTAssertEqual(Array(s.next()[0...1]), [0.25, 0.75])
        for seed: UInt64? in [nil, 42] {
            var q = try SobolSequence(dimension: 16, seed: seed)
            let pts = (0..<1024).map { _ in q.next() }
            for d in 0..<16 {
                var cells = Set<Int>()
                for p in pts { cells.insert(Int(p[d] * 1024)) }
                XCTAssertEqual(cells.count, 1024, "dimension \(d + 1): 1024 points, one per 1/1024 cell (seed \(String(describing: seed)))")
            }
            // Dimensions 1 and 2 form a (0, m, 2)-net: 1024 points fill the 32×32 grid once each.
            var cells = Set<Int>()
            for p in pts { cells.insert(Int(p[0] * 32) * 32 + Int(p[1] * 32)) }
            XCTAssertEqual(cells.count, 1024)
        }
        XCTAssertThrowsError(try SobolSequence(dimension: 17))
    }

    func testDesignFollowsTheRecipeAndIsDeterministic() throws {
        let model = Theory.chi2
        let recipe = DesignRecipe(rayFraction: 0.5, boxFraction: 0.3, deltaMax: 50, boxHalfWidth: 0.5, gaussianScale: 0.5)
        let d = try DesignSampler.sample(model: model, n: 60, seed: 3, recipe: recipe)
        XCTAssertEqual(d.chi2Min, 1306.018, accuracy: 0.01)
        XCTAssertEqual(d.kinds.filter { $0 == 0 }.count, 30)
        XCTAssertEqual(d.kinds.filter { $0 == 1 }.count, 18)
        XCTAssertEqual(d.kinds.filter { $0 == 2 }.count, 12)
        let p = 14
        for (i, kind) in d.kinds.enumerated() {
            let t = Array(d.points[(i * p)..<((i + 1) * p)])
            let delta = model.value(at: t) - d.chi2Min
            XCTAssertTrue(delta.isFinite)
            if kind == 0 { XCTAssertTrue(delta >= -1e-6 && delta <= 50 + 1e-4, "ray point Δχ² = \(delta)") }
            if kind == 1 { for j in 0..<p { XCTAssertLessThanOrEqual(abs(t[j] - d.minimum[j]), 0.5 * d.sigma[j] * (1 + 1e-12)) } }
        }
        let again = try DesignSampler.sample(model: model, n: 60, seed: 3, recipe: recipe)
        XCTAssertEqual(again.points, d.points)
        XCTAssertEqual(again.kinds, d.kinds)
        let other = try DesignSampler.sample(model: model, n: 60, seed: 4, recipe: recipe)
        XCTAssertNotEqual(other.points, d.points)
        XCTAssertThrowsError(try DesignSampler.sample(model: model, n: 10, seed: 1, recipe: DesignRecipe(rayFraction: 0.9, boxFraction: 0.2)))
    }

    func testRayCrossingBisection() throws {
        // f(r) = r² (the quadratic case): the crossing of level t is √t.
        for t in [0.0, 0.3, 1, 37, 200] {
            let found = DesignSampler.crossing(level: t, tolerance: 1e-9 * max(1, t)) { $0 * $0 }
            let r = try XCTUnwrap(found)
            XCTAssertEqual(r * r, t, accuracy: 1e-9 * max(1, t))
        }
        // Undefined beyond r = 2 with f < 10 there: level 10 cannot be reached → nil (the caller redraws).
        XCTAssertNil(DesignSampler.crossing(level: 10, tolerance: 1e-6) { $0 > 2 ? .nan : $0 * $0 })
        XCTAssertEqual(DesignSampler.crossing(level: 3, tolerance: 1e-9) { $0 > 2 ? .nan : $0 * $0 }!, 3.0.squareRoot(), accuracy: 1e-6)
    }
}
