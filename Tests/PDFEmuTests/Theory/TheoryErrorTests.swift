import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuTheory
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

/// Undefined points, bad theory files and bad options: one clear line each, never a crash.
final class TheoryErrorTests: XCTestCase {
    func testUndefinedPointsGiveReasonsAndNaN() throws {
        let model = Theory.chi2All16
        let base = try Theory.bundledRows(1).theta[0]
        let t0 = model.fullTheta(Theory.chi2.fullTheta(base))
        func set(_ name: String, _ v: Double) -> [Double] {
            var t = t0
            t[HERAParametrisation.parameterNames.firstIndex(of: name)!] = v
            return t
        }
        let cases: [(String, Double, String)] = [
            ("Buv", 0, "B(Buv, Cuv+1)"), ("Buv", -0.2, "B(Buv, Cuv+1)"), ("Bdv", -1e-9, "B(Bdv, Cdv+1)"),
            ("Bg", -1, "B(Bg+1, Cg+1)"), ("Cg", -1.5, "B(Bg+1, Cg+1)"), ("Bgp", -1.01, "B(Bgp+1, 26)"),
            ("BDbar", -1, "B(BDbar+1, CUbar+1)"), ("CUbar", -2, "B(BDbar+1, CUbar+1)"), ("CDbar", -1, "B(BDbar+1, CDbar+1)"),
            ("Cuv", -1, "B(Buv, Cuv+1)"), ("Cdv", -3, "B(Bdv, Cdv+1)"),
        ]
        for (name, v, function) in cases {
            let t = set(name, v)
            guard case .failure(let why) = model.chi2(at: t) else { XCTFail("\(name) = \(v) should be undefined"); continue }
            guard case .betaArgument(let f, let parameter, let argument) = why else { XCTFail("\(why)"); continue }
            XCTAssertEqual(f, function)
            XCTAssertTrue(parameter.hasPrefix(name + " = "), parameter)
            XCTAssertLessThanOrEqual(argument, 0)
            XCTAssertTrue(why.description.contains(function) && why.description.contains(name), why.description)
            XCTAssertTrue(model.value(at: t).isNaN)
            XCTAssertTrue(model.valueAndGradient(at: t).value.isNaN)
            XCTAssertTrue(model.valueGradientHessian(at: t).hessian.allSatisfy(\.isNaN))
            XCTAssertTrue(model.prediction(at: t).value.isNaN)
        }
        // Just inside the domain: defined and finite.
        XCTAssertTrue(model.value(at: set("Bg", -0.999)).isFinite)
        XCTAssertTrue(model.value(at: set("Buv", 1e-3)).isFinite)
        // Non-finite parameters.
        guard case .failure(.nonFiniteParameter(let n, _)) = model.chi2(at: set("Euv", .nan)) else { return XCTFail("NaN Euv") }
        XCTAssertEqual(n, "Euv")
        // The u-valence number integral can vanish: B(Buv,Cuv+1) + Duv B(Buv+1,Cuv+1) = 0 for Duv = −B(Buv,Cuv+1)/B(Buv+1,Cuv+1)
        // = −(Buv+Cuv+1)/Buv (with Euv = 0).
        var t = set("Euv", 0)
        t[6] = -(t[4] + t[5] + 1) / t[4]
        guard case .failure(.vanishingIntegral(let norm, _)) = model.chi2(at: t) else {
            return XCTFail("a vanishing sum-rule integral must be undefined: \(model.chi2(at: t))")
        }
        XCTAssertEqual(norm, "Auv")
        // Overflow: a huge sea normalisation makes x·Dbar/x overflow at small x.
        guard case .failure(let why) = model.chi2(at: set("ADbar", 1e306)) else { return XCTFail("overflow should be undefined") }
        XCTAssertEqual(why.kind, "PDF overflow", why.description)
    }

    func testOptionErrors() throws {
        func message(_ o: TheoryOptions) -> String {
            do { _ = try FKChiSquare(file: Theory.file, options: o); return "" } catch { return userMessage(error) }
        }
        XCTAssertEqual(message(TheoryOptions(fixed: ["Nope": 1])), "theory.fixed: unknown parameter 'Nope' (known: "
                       + HERAParametrisation.parameterNames.joined(separator: " ") + ")")
        XCTAssertTrue(message(TheoryOptions(free: ["Bg", "Zz"])).hasPrefix("theory.free: unknown parameter 'Zz'"))
        XCTAssertEqual(message(TheoryOptions(fixed: ["Bg": 0.1], free: ["Bg", "Cg"])), "theory.free Bg: the parameter is also fixed")
        XCTAssertEqual(message(TheoryOptions(free: ["Bg", "Bg"])), "theory.free: 'Bg' is named twice")
        XCTAssertEqual(message(TheoryOptions(free: ["Bg"])), "theory.free Cg: the parameter is neither free nor fixed: free it, or give it a fixed value")
        XCTAssertEqual(message(TheoryOptions(fixed: ["Bg": .infinity])), "theory.fixed Bg: value inf is not finite")
        let maxQ2 = (0..<Theory.file.count).map(Theory.file.q2).max()!
        XCTAssertEqual(message(TheoryOptions(q2Min: 1e7)), "theory.q2Min: 10000000.0 leaves no data points of \(Theory.path) (largest Q² is \(maxQ2) GeV²)")
        // Fixing a default-free parameter removes it from θ; freeing a default-fixed one adds it.
        let m = try FKChiSquare(file: Theory.file, options: TheoryOptions(fixed: ["Bg": -0.01]))
        XCTAssertEqual(m.parameterNames.count, 13)
        XCTAssertEqual(m.template[0], -0.01)
        let m15 = try FKChiSquare(file: Theory.file, options: TheoryOptions(free: HERAParametrisation.parameterNames.filter { $0 != "fs" }))
        XCTAssertEqual(m15.parameterNames.count, 15)
        XCTAssertEqual(m15.template[15], 0.4)
    }

    /// Copies the good theory file into `path`, leaving out `drop` and replacing datasets in `replace`.
    func writeCopy(_ path: String, drop: String? = nil, replace: [String: (shape: [Int], values: [Double])] = [:]) throws {
        let src = try HDF5File(open: Theory.path)
        let out = try HDF5File(create: path)
        for name in try src.members(of: "/") where name != drop {
            if let r = replace[name] { try out.write("/" + name, r.values, shape: r.shape); continue }
            let info = try src.info("/" + name)
            if info.elementClass == .string {
                try out.writeStrings("/" + name, try src.readStrings("/" + name))
            } else {
                let r: (shape: [Int], values: [Double]) = try src.read("/" + name)
                try out.write("/" + name, r.values, shape: r.shape)
            }
        }
    }

    func testBadTheoryFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        func message(_ path: String) -> String {
            do { _ = try FKTheoryFile.read(path); return "" } catch { return userMessage(error) }
        }
        XCTAssertEqual(message(dir.path("none.h5")), "\(dir.path("none.h5")): no such file")
        for name in ["data", "stat", "uncorr_sys", "corr_sys", "fk", "xgrid", "flavours", "experiment_index", "experiment_names", "kinematics"] {
            let p = dir.path("no_\(name).h5")
            try writeCopy(p, drop: name)
            XCTAssertEqual(message(p), "\(p): /\(name): no such dataset")
        }
        let n = Theory.file.count
        let p1 = dir.path("fk_shape.h5")
        try writeCopy(p1, replace: ["fk": ([n, 7, 49], [Double](repeating: 0, count: n * 7 * 49))])
        XCTAssertEqual(message(p1), "\(p1): /fk: has shape [\(n), 7, 49], expected [\(n), 7, 50]")
        let p2 = dir.path("stat_shape.h5")
        try writeCopy(p2, replace: ["stat": ([n - 1], [Double](repeating: 1, count: n - 1))])
        XCTAssertEqual(message(p2), "\(p2): /stat: has shape [\(n - 1)], expected [\(n)]")
        let p3 = dir.path("corr_1d.h5")
        try writeCopy(p3, replace: ["corr_sys": ([n], [Double](repeating: 0, count: n))])
        XCTAssertEqual(message(p3), "\(p3): /corr_sys: has shape [\(n)], expected [\(n), ·]")
        let p4 = dir.path("bad_index.h5")
        var idx = Theory.file.experimentIndex.map(Double.init)
        idx[5] = 7
        try writeCopy(p4, replace: ["experiment_index": ([n], idx)])
        XCTAssertEqual(message(p4), "\(p4): /experiment_index: entry 5 is 7.0, expected an integer in 0…6")
        let p5 = dir.path("nan_data.h5")
        var d = Theory.file.data
        d[3] = .nan
        try writeCopy(p5, replace: ["data": ([n], d)])
        XCTAssertEqual(message(p5), "\(p5): /data: element 3 is nan, expected finite numbers")
    }
}
