import XCTest
@testable import PDFEmuNetwork
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

final class EigenEvidenceCLITests: XCTestCase {
    static let emulator = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Datasets/hera14_emulator.h5").path

    /// The bundled emulator: every found end has Δχ² = T² within 1e-3, the file holds 2n+1 members, and
    /// re-reading it gives the same members.
    func testEigenOnBundledEmulator() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eigen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("sets.h5").path
        let run = try PDFEmuExecutable.run(["eigen", "--emulator", Self.emulator, "--tolerance", "10", "--no-lagrange", "--output", out, "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let dec = JSONDecoder()
        dec.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let r = try dec.decode(EigenvectorSetResult.self, from: Data(run.stdout.utf8))
        XCTAssertEqual(r.members.count, 29)
        for d in r.directions { for e in [d.plus, d.minus] { if let v = e.deltaChi2 { XCTAssertEqual(v, 10, accuracy: 1e-3) } } }
        let back = try EigenvectorSetResult.readMembers(out)
        XCTAssertEqual(back.members.count, 29)
        XCTAssertEqual(back.found, r.memberFound)
        let emu = try Emulator.load(Self.emulator)
        for (m, f) in zip(back.members, back.found) where f && m != back.members[0] {
            XCTAssertEqual(emu.value(at: m) - r.minimum.chi2, 10, accuracy: 1e-3)
        }
    }

    func testBadInputOneLineNoOutput() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eigen-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("x.h5").path
        let cases: [([String], String)] = [
            (["eigen", "--emulator", Self.emulator, "--tolerance", "0", "--output", out], "--tolerance"),
            (["eigen", "--emulator", Self.emulator, "--tolerance", "1", "--dynamic-tolerance", "--output", out], "--experiment-points"),
            (["evidence", Self.emulator], "--prior"),
            (["evidence", Self.emulator, "--prior", "Bg=-1:1"], "no range for parameter"),
            (["evidence", Self.emulator, "--prior", "Bg=-1:1", "--tolerance=-1"], "--tolerance"),
        ]
        for (args, needle) in cases {
            try PDFEmuExecutable.expectOneLineError(args, containing: needle, absent: [out])
        }
    }
}
