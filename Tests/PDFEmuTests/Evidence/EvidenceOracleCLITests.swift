import XCTest
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// `pdfemu evidence --oracle`: the oracle's answers are stored before use, and an oracle equal to the
/// emulator corrects nothing; bad input gives one error line and writes nothing.
final class EvidenceOracleCLITests: XCTestCase {
    static let emulator = packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path
    static let prior = packageRoot.appendingPathComponent("Configs/hera14_prior.json").path
    /// Tiny SMC settings (the debug build evaluates the emulator slowly).
    static let tiny = ["--runs", "2", "--smc-particles", "20", "--smc-ess", "0.5", "--accepted-moves", "1", "--max-sweeps", "2", "--starts", "2"]

    func testOracleEqualToTheEmulatorCorrectsNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evidence-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("oracle.h5").path
        let r = try PDFEmuExecutable.run(["evidence", Self.emulator, "--prior-file", Self.prior] + Self.tiny
                                         + ["--oracle", "emulator:" + Self.emulator, "--oracle-output", out, "--oracle-samples", "30", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let c = try XCTUnwrap(obj["correction"] as? [String: Any])
        XCTAssertEqual(c["points"] as? Int, 30)
        XCTAssertEqual(try XCTUnwrap(c["logCorrection"] as? Double), 0, accuracy: 1e-3)
        XCTAssertEqual(try XCTUnwrap(c["effectiveSampleSize"] as? Double), 30, accuracy: 0.01)
        let stored = try OracleScanFile.read(out)
        XCTAssertEqual(stored.points.count, 30)
        XCTAssertEqual(stored.attributes["format"], OracleScanFile.formatTag)
        let results = try XCTUnwrap(obj["results"] as? [[String: Any]])
        XCTAssertNotNil(results[0]["smc"])
        XCTAssertNil(results[0]["importance"])
    }

    func testBadInputOneLineNothingWritten() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evidence-oracle-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("o.h5").path
        let base = ["evidence", Self.emulator, "--prior-file", Self.prior]
        let cases: [([String], String)] = [
            (base + ["--oracle", "fk:Datasets/hera_fk_nlo.h5"], "--oracle needs --oracle-output"),
            (base + ["--oracle-output", out], "need --oracle"),
            (base + ["--runs", "1"], "--runs"),
            (base + ["--smc-ess", "1.5"], "--smc-ess"),
            (base + ["--method", "nested"], "--method: unknown estimator 'nested'"),
            (base + ["--method", "annealed", "--oracle", "fk:Datasets/hera_fk_nlo.h5", "--oracle-output", out], "needs the smc estimator"),
            (base + ["--oracle", "fk:Datasets/hera_fk_nlo.h5", "--oracle-output", Self.prior], "--prior-file"),
        ]
        for (args, needle) in cases {
            try PDFEmuExecutable.expectOneLineError(args, containing: needle, absent: [out])
        }
    }
}
