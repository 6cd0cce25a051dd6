import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
import PDFEmuTestSupport

/// Issue 8, data loss: no command writes over one of its inputs (by file identity, whatever the
/// spelling), and a failing run replaces nothing.
final class DataSafetyTests: XCTestCase {
    /// A scan, a config and a fitted tiny emulator in a fresh directory.
    struct Setup {
        let dir: TempDir
        let scan: String, config: String, emulator: String
    }

    func setUpFit(names: [String] = SyntheticScan.names) throws -> Setup {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 400, parameterNames: names)
        let cfg = SyntheticScan.writeConfig(dir, SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"),
                                                                      epochs: 2, hidden: "[8]"))
        let fit = try PDFEmuExecutable.run(["fit", cfg, "--quiet"])
        XCTAssertEqual(fit.status, 0, fit.stderr)
        return Setup(dir: dir, scan: dir.file("scan.h5"), config: cfg, emulator: dir.file("emu.h5"))
    }

    /// Asserts a one-line failure with exit 1 that mentions `mentions`, and that `path` still holds `before`.
    func assertRefused(_ r: PDFEmuExecutable.Run, keeps path: String, before: Data?, mentions: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(mentions), r.stderr, file: file, line: line)
        XCTAssertEqual(FileManager.default.contents(atPath: path), before, "\(path) was changed", file: file, line: line)
    }

    /// Other spellings of `path` (inside `dir`): ./, ../, a symlink and a hard link.
    func spellings(of path: String, in dir: TempDir) throws -> [String] {
        let name = URL(fileURLWithPath: path).lastPathComponent
        try FileManager.default.createDirectory(atPath: dir.file("sub"), withIntermediateDirectories: true)
        let link = dir.file("link-\(name)"), hard = dir.file("hard-\(name)")
        try? FileManager.default.removeItem(atPath: link)
        try? FileManager.default.removeItem(atPath: hard)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: name)
        try FileManager.default.linkItem(atPath: path, toPath: hard)
        return [path, dir.path + "/./" + name, dir.path + "/sub/../" + name, link, hard]
    }

    func testFitRefusesToWriteOverItsScanFilesOrItsConfig() throws {
        let s = try setUpFit()
        let scanBytes = FileManager.default.contents(atPath: s.scan)
        for out in try spellings(of: s.scan, in: s.dir) {
            assertRefused(try PDFEmuExecutable.run(["fit", s.config, "--quiet", "--output", out]), keeps: s.scan,
                          before: scanBytes, mentions: "would overwrite the input data.files entry")
        }
        // The config's own "output" key naming the scan, spelled relatively.
        let rel = SyntheticScan.writeConfig(s.dir, SyntheticScan.config(scan: s.scan, output: s.dir.path + "/sub/../scan.h5", epochs: 1, hidden: "[8]"),
                                            name: "rel.json")
        assertRefused(try PDFEmuExecutable.run(["fit", rel, "--quiet"]), keeps: s.scan, before: scanBytes, mentions: "would overwrite")
        let cfgBytes = FileManager.default.contents(atPath: s.config)
        for out in try spellings(of: s.config, in: s.dir) {
            assertRefused(try PDFEmuExecutable.run(["fit", s.config, "--quiet", "--output", out]), keeps: s.config,
                          before: cfgBytes, mentions: "would overwrite the input config")
        }
    }

    func testTheSameScanFileListedTwiceIsAnError() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 100)
        try FileManager.default.createSymbolicLink(atPath: dir.file("alias.h5"), withDestinationPath: dir.file("scan.h5"))
        let text = SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: 1, hidden: "[8]")
            .replacingOccurrences(of: "\"files\": [\"\(dir.file("scan.h5"))\"]", with: "\"files\": [\"\(dir.file("scan.h5"))\", \"\(dir.file("alias.h5"))\"]")
        let r = try PDFEmuExecutable.run(["fit", SyntheticScan.writeConfig(dir, text), "--quiet"])
        assertRefused(r, keeps: dir.file("emu.h5"), before: nil, mentions: "listed twice")
        XCTAssertThrowsError(try ScanReader.read([dir.file("scan.h5"), dir.path + "/./scan.h5"])) { e in
            XCTAssertTrue(userMessage(e).contains("same file"), userMessage(e))
        }
    }

    func testPredictRefusesToWriteOverTheEmulatorOrTheInput() throws {
        let s = try setUpFit()
        let pts = s.dir.file("pts.h5")
        let f = try HDF5File(create: pts)
        try f.write("/parameters", [0.5, -0.2, 0.1], shape: [1, 3])
        try f.writeStrings("/parameter_names", SyntheticScan.names)
        try f.flush()
        let emuBytes = FileManager.default.contents(atPath: s.emulator), ptsBytes = FileManager.default.contents(atPath: pts)
        for out in try spellings(of: s.emulator, in: s.dir) {
            assertRefused(try PDFEmuExecutable.run(["predict", "--emulator", s.emulator, "--input", pts, "--output", out]),
                          keeps: s.emulator, before: emuBytes, mentions: "--emulator")
        }
        for out in try spellings(of: pts, in: s.dir) {
            assertRefused(try PDFEmuExecutable.run(["predict", "--emulator", s.emulator, "--input", pts, "--output", out]),
                          keeps: pts, before: ptsBytes, mentions: "--input")
        }
    }

    func testScanAndMergeRefuseToWriteOverTheirInputs() throws {
        let s = try setUpFit()
        let emuBytes = FileManager.default.contents(atPath: s.emulator)
        let other = s.dir.file("other.h5")
        try FileManager.default.copyItem(atPath: s.emulator, toPath: other)
        for out in try spellings(of: s.emulator, in: s.dir) {
            assertRefused(try PDFEmuExecutable.run(["scan", "--emulator", s.emulator, "--params", "none", "--output", out]),
                          keeps: s.emulator, before: emuBytes, mentions: "--emulator")
        }
        let otherBytes = FileManager.default.contents(atPath: other)
        assertRefused(try PDFEmuExecutable.run(["scan", "--emulator", s.emulator, "--params", "none", "--lagrange-emulator", other,
                                                "--output", s.dir.path + "/./other.h5"]),
                      keeps: other, before: otherBytes, mentions: "--lagrange-emulator")
        // merge: a symlink to a shard is the shard.
        try FileManager.default.createSymbolicLink(atPath: s.dir.file("shard-link.h5"), withDestinationPath: other)
        assertRefused(try PDFEmuExecutable.run(["merge", s.dir.file("shard-link.h5"), other]), keeps: other, before: otherBytes,
                      mentions: "would overwrite the input shard")
    }

    func testScanPlotErrorsLeaveNoNewOutputAndKeepTheOldOne() throws {
        let long = String(repeating: "x", count: 250)
        let s = try setUpFit(names: [long, "b", "c"])
        let out = s.dir.file("scan_out.h5")
        let first = try PDFEmuExecutable.run(["scan", "--emulator", s.emulator, "--params", "none", "--output", out])
        XCTAssertEqual(first.status, 0, first.stderr)
        let old = FileManager.default.contents(atPath: out)
        let plots = s.dir.file("plots")
        try FileManager.default.createDirectory(atPath: plots + "/profile_b.svg", withIntermediateDirectories: true)
        for (args, says) in [(["--plot", ""], "empty directory name"),
                             (["--params", "b", "--plot", plots], "profile_b.svg is a directory"),
                             (["--params", long, "--plot", plots], "more than 255"),
                             (["--params", "c", "--plot", s.dir.file("new-plots"), "--output", s.dir.path + "/./emu.h5"], "would overwrite")] {
            let r = try PDFEmuExecutable.run(["scan", "--emulator", s.emulator, "--params", "none", "--points", "5", "--output", out] + args)
            assertRefused(r, keeps: out, before: old, mentions: says)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: plots), ["profile_b.svg"], "\(args)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: s.dir.file("new-plots")), "\(args)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: s.dir.path).filter { $0.contains(".tmp") }, [])
        // And the same scan with a good plot directory writes both.
        let ok = try PDFEmuExecutable.run(["scan", "--emulator", s.emulator, "--params", "c", "--points", "5", "--output", out, "--plot", s.dir.file("good")])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: s.dir.file("good")), ["profile_c.svg"])
    }

    func testAFitThatDivergesKeepsTheExistingEmulator() throws {
        let s = try setUpFit()
        let before = FileManager.default.contents(atPath: s.emulator)
        // Plain SGD at a rate that diverges after the first epochs (checked below by the message).
        // (direct + log1p: the sum of squares diverges at this rate within the first epoch.)
        let text = SyntheticScan.config(scan: s.scan, output: s.emulator, extra: ", \"optimizer\": \"sgd\", \"momentum\": 0.9, \"schedule\": \"constant\"",
                                        epochs: 60, hidden: "[8]", loss: #"{"output_structure": "direct", "target_transform": "log1p", "scale": 10, "weight_power": 1, "max_delta_chi2": null}"#)
            .replacingOccurrences(of: "\"learning_rate\": 0.003", with: "\"learning_rate\": 0.6")
        let r = try PDFEmuExecutable.run(["fit", SyntheticScan.writeConfig(s.dir, text, name: "diverge.json"), "--quiet"])
        assertRefused(r, keeps: s.emulator, before: before, mentions: "diverged")
        // Diverged after at least one good epoch: the case that used to replace the emulator.
        XCTAssertTrue(r.stderr.contains("nothing was written"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: FitRunner.checkpointPath(for: s.emulator)))
    }
}
