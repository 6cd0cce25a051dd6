import XCTest
@testable import PDFEmu

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
        let read = try ScanResult.readHDF5(Fixture.path("format_v1_scan.h5"))
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
