import XCTest
@testable import PDFEmuTheory
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

final class PDFBandTests: XCTestCase {
    static let theta0 = HERAParametrisation.startingValues

    /// Beta function by log-gamma, independent of the library's jets.
    static func beta(_ a: Double, _ b: Double) -> Double { exp(lgamma(a) + lgamma(b) - lgamma(a + b)) }

    /// x·f of g, uv, dv, Ubar, Dbar, s at x from the parametrisation's formulas (README of the theory), with
    /// the sum-rule normalisations computed here.
    static func formula(_ t: [Double], _ x: Double) -> [Double] {
        let (bg, cg, agp, bgp, buv, cuv, duv, euv) = (t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7])
        let (bdv, cdv, cub, dub, adb, bdb, cdb, fs) = (t[8], t[9], t[10], t[11], t[12], t[13], t[14], t[15])
        let B = beta
        let auv = 2 / (B(buv, cuv + 1) + duv * B(buv + 1, cuv + 1) + euv * B(buv + 2, cuv + 1))
        let adv = 1 / B(bdv, cdv + 1)
        let aub = adb * (1 - fs)
        let mq = auv * (B(buv + 1, cuv + 1) + duv * B(buv + 2, cuv + 1) + euv * B(buv + 3, cuv + 1)) + adv * B(bdv + 1, cdv + 1)
            + 2 * aub * (B(bdb + 1, cub + 1) + dub * B(bdb + 2, cub + 1)) + 2 * adb * B(bdb + 1, cdb + 1)
        let ag = (1 - mq + agp * B(bgp + 1, 26)) / B(bg + 1, cg + 1)
        let xg = ag * pow(x, bg) * pow(1 - x, cg) - agp * pow(x, bgp) * pow(1 - x, 25)
        let xuv = auv * pow(x, buv) * pow(1 - x, cuv) * (1 + duv * x + euv * x * x)
        let xdv = adv * pow(x, bdv) * pow(1 - x, cdv)
        let xUbar = aub * pow(x, bdb) * pow(1 - x, cub) * (1 + dub * x)
        let xDbar = adb * pow(x, bdb) * pow(1 - x, cdb)
        return [xg, xuv, xdv, xUbar, xDbar, fs * xDbar]
    }

    /// A small set: the centre and ± steps along three parameters (Duv and fs moved too, so that every
    /// term of the formulas is exercised).
    static func members() -> [[Double]] {
        var t0 = theta0
        t0[6] = 0.7  // Duv ≠ 0
        var rows = [t0]
        for (i, h) in [(0, 0.04), (4, -0.03), (9, 0.2), (15, 0.05), (13, 0.01)] {
            var p = t0, m = t0
            p[i] += h; m[i] -= 0.7 * h
            rows += [p, m]
        }
        return rows
    }

    func testCentralAndMembersReproduceTheFormulas() throws {
        let rows = Self.members()
        let x = [1e-3, 0.05, 0.3, 0.7]
        let r = try PDFBands.compute(members: rows, found: rows.map { _ in true }, x: x, tolerance: 1)
        for m in [0, 1, 4, 7, 10] {
            for (k, xv) in x.enumerated() {
                let want = Self.formula(rows[m], xv)
                for f in 0..<6 {
                    XCTAssertEqual(r.members[m][f][k], want[f], accuracy: 1e-12 * max(1, abs(want[f])), "member \(m) flavour \(f) x \(xv)")
                }
            }
        }
        XCTAssertEqual(r.central, r.members[0])
    }

    /// ∫uv = 2, ∫dv = 1 and ∫x(g + uv + dv + 2Ubar + 2Dbar) = 1 for every member, by Simpson's rule in t
    /// with x = t⁴ (smooth at small x for these exponents).
    func testSumRulesHoldForEveryMember() throws {
        let rows = Self.members()
        let n = 4000
        let t = (0...n).map { Double($0) / Double(n) }
        let x = t.dropFirst().map { $0 * $0 * $0 * $0 }
        let r = try PDFBands.compute(members: rows, found: rows.map { _ in true }, x: Array(x), tolerance: 1)
        func simpson(_ integrand: (Int) -> Double) -> Double {
            let h = 1 / Double(n)
            var s = 0.0
            for i in 0...n { s += (i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2) * integrand(i) }
            return s * h / 3
        }
        for m in rows.indices {
            let xf = r.members[m]
            // ∫ f dx = ∫ (x·f/x)·4t³ dt = ∫ 4·x·f/t dt;  ∫ x·f dx = ∫ x·f·4t³ dt (the t = 0 term vanishes).
            let uv = simpson { $0 == 0 ? 0 : 4 * xf[1][$0 - 1] / t[$0] }
            let dv = simpson { $0 == 0 ? 0 : 4 * xf[2][$0 - 1] / t[$0] }
            let mom = simpson { i in
                i == 0 ? 0 : 4 * t[i] * t[i] * t[i] * (xf[0][i - 1] + xf[1][i - 1] + xf[2][i - 1] + 2 * xf[3][i - 1] + 2 * xf[4][i - 1])
            }
            XCTAssertEqual(uv, 2, accuracy: 1e-6, "member \(m)")
            XCTAssertEqual(dv, 1, accuracy: 1e-6, "member \(m)")
            XCTAssertEqual(mom, 1, accuracy: 1e-6, "member \(m)")
        }
    }

    func testBandWidthZeroWithoutSpreadAndMasterFormulaOtherwise() throws {
        let x = try PDFBands.xGrid(points: 40)
        XCTAssertEqual(x.count, 40)
        XCTAssertEqual(x.first!, 1e-4, accuracy: 1e-15)
        XCTAssertEqual(x.last!, 1)
        XCTAssertEqual(zip(x, x.dropFirst()).filter { $0 >= $1 }.count, 0)
        let flat = [[Double]](repeating: Self.theta0, count: 7)
        let r0 = try PDFBands.compute(members: flat, found: flat.map { _ in true }, x: x, tolerance: 1)
        for f in 0..<6 {
            XCTAssertEqual(r0.symmetric[f].max(), 0)
            XCTAssertEqual(r0.plus[f].max(), 0)
            XCTAssertEqual(r0.minus[f].max(), 0)
        }
        let rows = Self.members()
        let r = try PDFBands.compute(members: rows, found: rows.map { _ in true }, x: x, tolerance: 1)
        let k = 20, f = 0  // x·g at x = 0.1
        let v = r.members.map { $0[f][k] }
        var s = 0.0, up = 0.0, down = 0.0
        for d in 1...5 {
            let a = v[2 * d - 1], b = v[2 * d]
            s += (a - b) * (a - b)
            up += pow(max(a - v[0], b - v[0], 0), 2); down += pow(max(v[0] - a, v[0] - b, 0), 2)
        }
        XCTAssertGreaterThan(r.symmetric[f][k], 0)
        XCTAssertEqual(r.symmetric[f][k], 0.5 * s.squareRoot(), accuracy: 1e-14)
        XCTAssertEqual(r.plus[f][k], up.squareRoot(), accuracy: 1e-14)
        XCTAssertEqual(r.minus[f][k], down.squareRoot(), accuracy: 1e-14)
        // At x = 1 every x·f vanishes, and so does the band.
        XCTAssertEqual(r.central.map { $0.last! }, [0, 0, 0, 0, 0, 0])
    }

    func testOpenEndsAndEnvelopeAndHDF5RoundTrip() throws {
        var rows = Self.members()
        var found = rows.map { _ in true }
        rows[3] = [Double](repeating: .nan, count: 16)
        found[3] = false
        let samples = (0..<50).map { i -> [Double] in
            var t = rows[0]
            t[0] += 0.002 * Double(i - 25)
            return t
        }
        let x = try PDFBands.xGrid(points: 30)
        let r = try PDFBands.compute(members: rows, found: found, x: x, tolerance: 4, samples: samples, samplesTemperature2: 2)
        XCTAssertFalse(r.memberFound[3])
        XCTAssertTrue(r.members[3][0].allSatisfy(\.isNaN))
        let e = try XCTUnwrap(r.mcmc)
        XCTAssertEqual(e.samples, 50)
        XCTAssertEqual(e.temperature2, 2)
        // The envelope is the 16%/50%/84% quantile (linear interpolation) of the samples' x·f, here from the formulas.
        for k in [3, 12, 20] {
            for f in [0, 1, 4] {
                let v = samples.map { Self.formula($0, x[k])[f] }.sorted()
                func q(_ p: Double) -> Double {
                    let pos = p * Double(v.count - 1), lo = Int(pos)
                    return v[lo] + (v[min(lo + 1, v.count - 1)] - v[lo]) * (pos - Double(lo))
                }
                XCTAssertEqual(e.lower[f][k], q(0.16), accuracy: 1e-12)
                XCTAssertEqual(e.median[f][k], q(0.5), accuracy: 1e-12)
                XCTAssertEqual(e.upper[f][k], q(0.84), accuracy: 1e-12)
                if f == 0 { XCTAssertLessThan(e.lower[f][k], e.upper[f][k]) }
            }
        }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try r.write(to: dir.path("bands.h5"), provenance: ["sets_file": "x.h5"])
        var back = try PDFBandResult.read(dir.path("bands.h5"))
        back.warnings = r.warnings
        XCTAssertEqual(back.x, r.x)
        XCTAssertEqual(back.central, r.central)
        XCTAssertEqual(back.plus, r.plus)
        XCTAssertEqual(back.mcmc, r.mcmc)
        XCTAssertEqual(back.memberFound, r.memberFound)
        XCTAssertEqual(back.members[5], r.members[5])
        XCTAssertEqual(back.tolerance, 4)
    }

    func testFullParametersChecksNames() throws {
        let names = HERAParametrisation.parameterNames
        let free = names.filter { $0 != "Duv" && $0 != "fs" }
        var template = [Double](repeating: 0, count: 16)
        template[6] = 0.25; template[15] = 0.4
        let rows = [free.indices.map { Double($0) + 1 }]
        let full = try PDFBands.fullParameters(rows: rows, names: free, template: template, free: free, what: "t")
        XCTAssertEqual(full[0][6], 0.25)
        XCTAssertEqual(full[0][15], 0.4)
        XCTAssertEqual(full[0][0], 1)
        XCTAssertEqual(full[0][14], 14)
        XCTAssertThrowsError(try PDFBands.fullParameters(rows: rows, names: free.dropLast() + ["zz"], template: template, free: free, what: "t"))
        XCTAssertThrowsError(try PDFBands.fullParameters(rows: [Array(rows[0].dropLast())], names: Array(free.dropLast()), template: template,
                                                         free: free, what: "t")) { e in
            XCTAssertTrue("\(e)".contains("CDbar"), "\(e)")
        }
        XCTAssertThrowsError(try PDFBands.xGrid(points: 3))
    }

    /// The command on the theory: eigen --theory writes a set, bands reads it; bad inputs give one line,
    /// exit 1 and no output.
    func testBandsCommandOnTheory() throws {
        let theory = packageRoot.appendingPathComponent("Datasets/hera_fk_nlo.h5").path
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let sets = dir.path("sets.h5"), out = dir.path("bands.h5"), plots = dir.path("plots")
        let e = try PDFEmuExecutable.run(["eigen", "--theory", theory, "--tolerance", "10", "--no-lagrange", "--quantity", "Bg", "--output", sets])
        XCTAssertEqual(e.status, 0, e.stderr)
        let b = try PDFEmuExecutable.run(["bands", "--theory", theory, "--sets", sets, "--x-points", "60", "--output", out, "--plot", plots])
        XCTAssertEqual(b.status, 0, b.stderr)
        let r = try PDFBandResult.read(out)
        XCTAssertEqual(r.members.count, 29)
        XCTAssertEqual(r.x.count, 60)
        let set = try EigenvectorSetResult.readMembers(sets)
        let central = HERAParametrisation.parameterNames.map { n -> Double in
            set.parameterNames.firstIndex(of: n).map { set.members[0][$0] } ?? TheoryOptions.defaultFixed[n]!
        }
        let want = Self.formula(central, r.x[10])
        for f in 0..<6 { XCTAssertEqual(r.central[f][10], want[f], accuracy: 1e-12 * max(1, abs(want[f]))) }
        for name in PDFBands.flavourNames {
            let svg = try String(contentsOfFile: plots + "/band_\(name).svg", encoding: .utf8)
            XCTAssertTrue(svg.contains("ratio to central"))
            XCTAssertTrue(svg.contains("Hessian band"))
        }
        let bad = dir.path("bad.h5")
        let cases: [([String], String)] = [
            (["bands", "--theory", theory, "--sets", theory, "--output", bad], "format"),
            (["bands", "--theory", theory, "--sets", sets, "--fix", "Bg=0", "--output", bad], "Bg"),
            (["bands", "--theory", theory, "--sets", sets, "--x-points", "2", "--output", bad], "--x-points"),
            (["bands", "--theory", theory, "--sets", sets, "--mcmc", sets, "--output", bad], "MCMC"),
            (["bands", "--theory", theory, "--sets", sets, "--output", sets], "--sets"),
        ]
        for (args, needle) in cases {
            try PDFEmuExecutable.expectOneLineError(args, containing: needle, absent: [bad])
        }
    }
}
