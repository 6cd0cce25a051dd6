import XCTest
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

/// Runs the built `pdfemu` executable (next to the test bundle) on bad input and on shard files.
final class ScanCLITests: XCTestCase {
    func pdfemu() throws -> URL {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for d in [dir, dir.deletingLastPathComponent()] {
            let u = d.appendingPathComponent("pdfemu")
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        throw XCTSkip("pdfemu executable not found next to the test bundle")
    }

    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = try pdfemu()
        p.arguments = args
        let o = Pipe(), e = Pipe()
        p.standardOutput = o; p.standardError = e
        try p.run()
        let out = o.fileHandleForReading.readDataToEndOfFile(), err = e.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    func testScanRejectsBadOptionsBeforeLoadingWithOneLine() throws {
        // Exit 1: values the library rejects; exit 64: usage errors found while parsing (the MCMC option group).
        for (args, expect, status) in [(["--tolerance", "1,-10"], "T² must be > 0", 1), (["--contour", "Bg,Bg"], "same parameter twice", 1),
                               (["--shard", "4/4", "--output", "/tmp/x.h5"], "--shard 4/4", 1),
                               (["--range", "Bg=1:0"], "lower end must be below", 1), (["--fix", "Bg"], "not name=value", 1),
                               (["--points", "1"], "--points", 1),
                               (["--mcmc", "--mcmc-steps", "0"], "--mcmc-steps: need at least 1", 64),
                               (["--mcmc", "--mcmc-thin", "0"], "--mcmc-thin", 64),
                               (["--mcmc", "--mcmc-chains", "0"], "--mcmc-chains", 64),
                               (["--mcmc", "--mcmc-tolerance=-1"], "--mcmc-tolerance", 64),
                               (["--mcmc", "--mcmc-sampler", "gibbs"], "--mcmc-sampler", 64),
                               (["--mcmc", "--mcmc-walkers", "7"], "--mcmc-walkers", 64),
                               (["--mcmc-steps", "100"], "need --mcmc", 64),
                               (["--plot", "/nonexistent-dir/plots"], "parent directory", 1),
                               (["--output", "/nonexistent-dir/out.h5"], "does not exist", 1)] as [([String], String, Int32)] {
            let r = try run(["scan", "--emulator", "/nonexistent.h5"] + args)
            XCTAssertEqual(r.status, status, "\(args)")
            XCTAssertTrue(r.err.hasPrefix("error: ") && r.err.contains(expect), "\(args): \(r.err)")
            XCTAssertEqual(r.err.split(separator: "\n").count, 1)
            XCTAssertTrue(r.out.isEmpty)
        }
    }

    func testMergeCombinesShardsAndRejectsMisfits() throws {
        _ = try pdfemu()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pdfemu-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = QuadraticModel(p: 3)
        var paths: [String] = []
        for k in 0..<2 {
            var o = ScanOptions(points: 9, shard: ShardSpec(index: k, count: 2))
            o.contours = [["p0", "p1"]]; o.rays = 8
            let p = dir.appendingPathComponent("s\(k).h5").path
            try ScanRunner.run(model: m, options: o).write(to: p)
            paths.append(p)
        }
        let out = dir.appendingPathComponent("merged.h5").path
        let bad = try run(["merge", out, paths[0]])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.err, "error: merge: shard 1/2 missing\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let dup = try run(["merge", out, paths[0], paths[1], paths[1]])
        XCTAssertEqual(dup.status, 1)
        XCTAssertTrue(dup.err.contains("given twice"), dup.err)
        let ok = try run(["merge", out, paths[1], paths[0]])
        XCTAssertEqual(ok.status, 0, ok.err)
        XCTAssertTrue(ok.out.contains("minimum: χ²_min"), ok.out)
        let merged = try ScanResult.read(out)
        XCTAssertEqual(merged.profiles.map { $0.parameter }, ["p0", "p1", "p2"])
        XCTAssertEqual(merged.contours.count, 1)
        XCTAssertNil(merged.shard)
    }
}
