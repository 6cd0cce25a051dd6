import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuTheory
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// `EvidenceParticles` and `pdfemu evidence --particles-output`: SMC's final particles as a points file
/// (copies kept once, counted), which `pdfemu chi2` evaluates; bad input gives one error line, nothing written.
final class EvidenceParticlesTests: XCTestCase {
    static let theory = packageRoot.appendingPathComponent("Datasets/hera_fk_nlo.h5").path
    static let emulator = packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path
    static let prior = packageRoot.appendingPathComponent("Configs/hera14_prior.json").path
    /// Tiny SMC settings (the debug build is slow).
    static let tiny = ["--runs", "2", "--smc-particles", "20", "--smc-ess", "0.5", "--accepted-moves", "1", "--max-sweeps", "2", "--starts", "2"]

    func tempDir(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func run(_ k: Int, logZ: Double) -> SMCRun {
        SMCRun(seed: UInt64(k), logZ: logZ, temperatures: 3, finalESS: 2, minimumESS: 1, distinctFraction: 0.5, acceptance: 0.2,
               sweeps: 4, evaluations: 10, seconds: 0)
    }

    func testCopiesAreKeptOnceAndCountedAndTheFileReadsBack() throws {
        // Two runs of 3 particles in 2-D: run 0 holds (1,2) twice, run 1 holds (1,2) once more and two others.
        let theta: [Double] = [1, 2, 1, 2, 3, 4, 5, 6, 1, 2, 7, 8]
        let chi2: [Double] = [10, 10, 11, 12, 10, 13]
        let smc = SMCEstimate(logZ: -5, error: 0.1, error2Sigma: 0.3, standardError: 0.09, particles: 3, essFraction: 0.9,
                              runs: [run(0, logZ: -5.1), run(1, logZ: -4.9)], meanEnergy: 5, entropy: 1, seconds: 0,
                              posterior: theta, posteriorChi2: chi2)
        let p = try XCTUnwrap(EvidenceParticles(parameterNames: ["a", "b"], smc: smc))
        XCTAssertEqual(p.count, 4)
        XCTAssertEqual(p.values, [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(p.modelChi2, [10, 11, 12, 13])
        XCTAssertEqual(p.run, [0, 0, 1, 1])
        XCTAssertEqual(p.copies, [3, 1, 1, 1])
        XCTAssertEqual(p.copies.reduce(0, +), theta.count / 2)

        let dir = try tempDir("particles")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("p.h5").path
        try p.write(to: path, attributes: [("temperature2", "1.0")])
        XCTAssertEqual(try EvidenceParticles.read(path), p)
        let points = try OraclePoints.read(path)   // a points file for any oracle
        XCTAssertEqual(points.count, 4)
        XCTAssertEqual(try HDF5File(open: path).readStringAttribute("temperature2"), "1.0")
        // A scan file is not a particles file.
        XCTAssertThrowsError(try EvidenceParticles.read(bundledScanPath)) { e in
            XCTAssertTrue("\(e)".contains("not an evidence particles file"), "\(e)")
        }
        // Mismatched arrays give nil, not a file.
        var bad = smc
        bad.posteriorChi2.removeLast()
        XCTAssertNil(EvidenceParticles(parameterNames: ["a", "b"], smc: bad))
    }

    func testTheoryParticlesInTheBoxAndChi2ReproducesTheirModelChi2() throws {
        let dir = try tempDir("particles-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("particles.h5").path
        let r = try PDFEmuExecutable.run(["evidence", "--theory", Self.theory, "--prior-file", Self.prior] + Self.tiny
                                         + ["--particles-output", out, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("distinct final particles of 2 SMC runs (40 in all)"), r.stderr)
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)))   // stdout stays JSON
        let p = try EvidenceParticles.read(out)
        XCTAssertEqual(p.copies.reduce(0, +), 40)
        XCTAssertEqual(Set(p.run), [0, 1])
        XCTAssertEqual(p.parameterNames.count, 14)
        let box = try UniformBoxPrior.read(Self.prior).box(for: p.parameterNames)
        for i in 0..<p.count {
            for j in 0..<14 {
                XCTAssertTrue(p.values[i * 14 + j] >= box.lower[j] && p.values[i * 14 + j] <= box.upper[j], "row \(i) \(p.parameterNames[j])")
            }
        }
        var rows = Set<[Double]>()
        for i in 0..<p.count { rows.insert(Array(p.values[(i * 14)..<((i + 1) * 14)])) }
        XCTAssertEqual(rows.count, p.count, "a row repeats another")
        // The exact χ² of the written points (pdfemu chi2) is the χ² the SMC run sampled.
        let scan = dir.appendingPathComponent("scan.h5").path
        let c = try PDFEmuExecutable.run(["chi2", "--theory", Self.theory, "--input", out, "--output", scan, "--quiet"])
        XCTAssertEqual(c.status, 0, c.stderr)
        let stored = try OracleScanFile.read(scan)
        XCTAssertEqual(stored.result.chi2.count, p.count)
        for i in 0..<p.count { XCTAssertEqual(stored.result.chi2[i], p.modelChi2[i], accuracy: 1e-8 * p.modelChi2[i]) }
    }

    func testBadInputOneLineNothingWritten() throws {
        let dir = try tempDir("particles-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("p.h5").path
        let base = ["evidence", Self.emulator, "--prior-file", Self.prior]
        let cases: [([String], String)] = [
            (["evidence", Self.emulator, Self.emulator, "--prior-file", Self.prior, "--particles-output", out], "one model"),
            (["evidence", "--theory", Self.theory, "--free-b", "Bg,Cg", "--prior-file", Self.prior, "--particles-output", out], "one model"),
            (base + ["--method", "importance", "--particles-output", out], "needs the smc estimator"),
            (base + ["--particles-output", Self.prior], "--prior-file"),
            (base + ["--particles-output", Self.emulator], "overwrite the input emulator"),
            (base + ["--particles-output", dir.appendingPathComponent("none/p.h5").path], "does not exist"),
            (base + ["--particles-output", out, "--oracle", "emulator:" + Self.emulator, "--oracle-output", out], "same file"),
        ]
        for (args, needle) in cases {
            try PDFEmuExecutable.expectOneLineError(args, containing: needle, absent: [out])
        }
    }
}
