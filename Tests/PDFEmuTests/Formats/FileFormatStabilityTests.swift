import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

/// Files written by pdfemu before the architecture change (commit 4224f0b, committed as fixtures
/// `format_v1_*`) must read back identically: the formats are part of the user's data.
/// The fixtures were written by that commit's CLI:
///   pdfemu scan --emulator Datasets/hera14_emulator.h5 --params Buv,Bdv --tolerance 1,10 --contour Buv,Bdv
///     --rays 8 --points 9 --lagrange "Buv - Bdv" --mcmc --mcmc-sampler hmc --mcmc-steps 40 --mcmc-burn-in 20
///     --output format_v1_scan.h5 --json > format_v1_scan.json
///   pdfemu predict --emulator Datasets/hera14_emulator.h5 --input Datasets/demo_points.h5 --output format_v1_predict.h5
final class FileFormatStabilityTests: XCTestCase {
    /// The old scan file, read by today's code, is the result the old code printed as JSON.
    func testScanOutputWrittenBeforeReadsBackIdentically() throws {
        let read = try ScanResult.read(Fixture.path("format_v1_scan.h5"))
        let oldJSON = try String(contentsOfFile: Fixture.path("format_v1_scan.json"), encoding: .utf8)
        // Timings are printed but not stored in the scan file: everything else must be equal.
        var old = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(oldJSON.utf8)) as? [String: Any])
        XCTAssertNotNil(old.removeValue(forKey: "timing"))
        let new = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try Fmt.json(read).utf8)) as? [String: Any])
        XCTAssertEqual(NSDictionary(dictionary: new), NSDictionary(dictionary: old))
        XCTAssertEqual(read.profiles.count, 2)
        XCTAssertEqual(read.contours.count, 1)
        XCTAssertEqual(read.lagrange.count, 1)
        XCTAssertNotNil(read.mcmc)
        XCTAssertNotNil(read.minimum.domain, "an emulator scan keeps its training-domain fields")
        XCTAssertNotNil(read.minimum.sampleMinimum)
    }

    /// The same scan run today gives the same answers as before the reshaping (behaviour unchanged).
    func testTheSameScanTodayGivesTheOldAnswers() throws {
        let emuPath = packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path
        var o = ScanOptions(profileParameters: ["Buv", "Bdv"], tolerances: [1, 10], points: 9, contours: [["Buv", "Bdv"]], rays: 8,
                            lagrangeExpressions: ["Buv - Bdv"])
        o.mcmc = ScanMCMCOptions(sampler: .hmc, chains: 1, walkers: 0, steps: 40, burnIn: 20, thin: 1, seed: 1, temperature2: 1)
        let now = try ScanRunner.run(model: try Emulator.load(emuPath), options: o, modelIdentity: try RunIdentity.fileHash(emuPath))
        let oldJSON = try String(contentsOfFile: Fixture.path("format_v1_scan.json"), encoding: .utf8)
        var old = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(oldJSON.utf8)) as? [String: Any])
        old.removeValue(forKey: "timing")
        var new = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try Fmt.json(now.withoutTiming).utf8)) as? [String: Any])
        // The fixture was written on an AVX-512 machine; other CPUs run other kernel variants, whose last
        // bits differ: numbers are compared to 1e-7 relative, and the MCMC (where one flipped acceptance
        // changes the path) only by its settings.
        let oldMCMC = old.removeValue(forKey: "mcmc") as? [String: Any], newMCMC = new.removeValue(forKey: "mcmc") as? [String: Any]
        assertClose(new, old, path: "")
        assertClose(newMCMC?["chainCount"] as Any, oldMCMC?["chainCount"] as Any, path: "/mcmc/chainCount")
        assertClose((newMCMC?["combined"] as? [String: Any])?["options"] as Any,
                    (oldMCMC?["combined"] as? [String: Any])?["options"] as Any, path: "/mcmc/combined/options")
    }

    /// Recursive comparison of decoded JSON with a relative tolerance on numbers.
    func assertClose(_ a: Any, _ b: Any, path: String, file: StaticString = #filePath, line: UInt = #line) {
        switch (a, b) {
        case let (x as [String: Any], y as [String: Any]):
            XCTAssertEqual(Set(x.keys), Set(y.keys), "keys at \(path)", file: file, line: line)
            for k in x.keys where y[k] != nil { assertClose(x[k]!, y[k]!, path: path + "/" + k, file: file, line: line) }
        case let (x as [Any], y as [Any]):
            XCTAssertEqual(x.count, y.count, "length at \(path)", file: file, line: line)
            for (i, (u, v)) in zip(x, y).enumerated() { assertClose(u, v, path: path + "[\(i)]", file: file, line: line) }
        case let (x as NSNumber, y as NSNumber):
            let u = x.doubleValue, v = y.doubleValue
            XCTAssertLessThanOrEqual(abs(u - v), 1e-7 * max(1, abs(v)), "\(path): \(u) vs \(v)", file: file, line: line)
        default:
            XCTAssertEqual("\(a)", "\(b)", "at \(path)", file: file, line: line)
        }
    }

    /// The committed emulator (written before) predicts today exactly what it predicted then.
    func testEmulatorWrittenBeforePredictsIdentically() throws {
        let emu = try Emulator.load(packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path)
        let old = try HDF5File(open: Fixture.path("format_v1_predict.h5"))
        let points = try old.read("/parameters", as: Double.self).values
        let chi2 = try old.read("/chi2", as: Double.self).values
        let std = try old.read("/chi2_std", as: Double.self).values
        let per = try old.read("/chi2_per_experiment", as: Double.self).values
        let inside = try old.read("/inside_training_domain", as: Int32.self).values
        let now = emu.predictBatch(points)
        XCTAssertEqual(now.value, chi2)
        XCTAssertEqual(now.spread, std)
        XCTAssertEqual(now.perExperiment, per)
        let p = emu.parameterNames.count
        XCTAssertEqual((0..<chi2.count).map { emu.domain(at: Array(points[($0 * p)..<(($0 + 1) * p)])).inside ? Int32(1) : 0 }, inside)
    }
}
