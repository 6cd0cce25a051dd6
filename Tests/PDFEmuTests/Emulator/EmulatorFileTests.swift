import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
import PDFEmuTestSupport

/// The emulator file is readable without pdfemu: this replays, step by step from the raw datasets, the
/// arithmetic of the numpy snippet in docs/FORMAT.md ("Evaluating an emulator file with numpy").
final class EmulatorFileTests: XCTestCase {
    /// Both output structures: the default sum of squares with a linear target, and direct with log1p.
    func testNumpySnippetArithmeticReproducesPredictions() throws {
        try replaySnippet(loss: nil)
        try replaySnippet(loss: #"{"output_structure": "direct", "target_transform": "log1p"}"#)
    }

    func replaySnippet(loss: String?) throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 600)
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: 2, members: 2, loss: loss)))
        let r = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("emu.h5")))
        let f = try HDF5File(open: dir.file("emu.h5"))
        // act = {...}[f.attrs["activation"]]
        let act = Activation(rawValue: try f.readStringAttribute("activation"))!
        let hidden: [Int64] = try f.readNumericAttribute("hidden")
        let nl = hidden.count + 1
        let members = Int((try f.readNumericAttribute("members") as [Int64])[0])
        let mean = try f.read("/scalers/input_mean", as: Double.self).values
        let A = try f.read("/scalers/input_transform", as: Double.self).values
        let shift = try f.read("/scalers/output_shift", as: Double.self).values
        let oscale = try f.read("/scalers/output_scale", as: Double.self).values
        let c = try f.read("/scalers/output_log_scale", as: Double.self).values
        XCTAssertTrue(c.allSatisfy { $0 > 0 } == (loss != nil), "log1p exactly when asked for")
        let sos = (try? f.readStringAttribute("output_structure")) == "sum_of_squares"
        XCTAssertEqual(sos, loss == nil, "the default structure is the sum of squares")
        let m = sos ? Int((try f.readNumericAttribute("sos_components") as [Int64])[0]) : 0
        let theta = [0.7, -0.4, 0.1]
        // x = (theta - input_mean) @ input_transform.T
        let x = (0..<3).map { i in (0..<3).reduce(0.0) { $0 + (theta[$1] - mean[$1]) * A[i * 3 + $1] } }
        var outs: [[Double]] = []
        for k in 0..<members {
            var a = x
            for l in 0..<nl {
                let (ws, W) = try f.read("/weights/members.\(k).layers.\(l).weight", as: Double.self)
                let b = try f.read("/weights/members.\(k).layers.\(l).bias", as: Double.self).values
                // a = a @ W.T + b
                var next = [Double](repeating: 0, count: ws[0])
                for i in 0..<ws[0] {
                    var s = b[i]
                    for j in 0..<ws[1] { s += a[j] * W[i * ws[1] + j] }
                    next[i] = s
                }
                a = next
                if l < nl - 1 { a = a.map { act.value($0) } }
            }
            if sos {  // a = [Σ a[:m]² − softplus(offset), a[m:]]
                let offset = try f.read("/weights/members.\(k).head.offset", as: Double.self).values[0]
                let softplus = offset > 0 ? offset + log1p(exp(-offset)) : log1p(exp(offset))
                a = [a[..<m].reduce(0) { $0 + $1 * $1 } - softplus] + Array(a[m...])
            }
            // g = output_scale * a; out = output_shift + c * expm1(g / c)  (g where c == 0)
            outs.append((0..<a.count).map { k in
                let g = oscale[k] * a[k]
                return shift[k] + (c[k] > 0 ? c[k] * expm1(g / c[k]) : g)
            })
        }
        let total = outs.map { $0[0] }
        let mu = total.reduce(0, +) / Double(members)
        let sd = (total.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(members - 1)).squareRoot()
        let pred = r.emulator.prediction(at: theta)
        XCTAssertEqual(mu, pred.value, accuracy: 1e-9 * abs(mu))
        XCTAssertEqual(sd, pred.rawSpread, accuracy: 1e-7)
        // The stated spread: f·√(raw² + τ²) with the /calibration factor and floor of the predicted Δχ²'s bin.
        let edges = try f.read("/calibration/lower_edges", as: Double.self).values
        let factors = try f.read("/calibration/factors", as: Double.self).values
        let floors = try f.read("/calibration/floors", as: Double.self).values
        let bin = edges.lastIndex { mu - r.emulator.sampleMinimum >= $0 } ?? 0
        XCTAssertEqual(factors[bin] * (sd * sd + floors[bin] * floors[bin]).squareRoot(), pred.spread, accuracy: 1e-7 * max(1, factors[bin]))
        for e in 0..<2 { XCTAssertEqual(outs.reduce(0) { $0 + $1[1 + e] } / Double(members), pred.perExperiment[e], accuracy: 1e-9 * abs(pred.perExperiment[e])) }
        XCTAssertEqual(try f.readStringAttribute("format"), "pdfemu-emulator")
        XCTAssertTrue(f.isDataset("/weights/members.1.layers.2.bias"))
    }

    func testLoadRejectsOtherFiles() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 50)
        XCTAssertThrowsError(try Emulator.load(dir.file("scan.h5"))) { e in
            XCTAssertTrue(userMessage(e).contains("not a pdfemu emulator file"), userMessage(e))
        }
        XCTAssertThrowsError(try Emulator.load(dir.file("missing.h5"))) { e in
            XCTAssertTrue(userMessage(e).contains("no such file"), userMessage(e))
        }
    }

    func testFailedSaveLeavesTheGoodFileAlone() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 400)
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: 1, hidden: "[8]")))
        let r = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("emu.h5")))
        let before = try Data(contentsOf: URL(fileURLWithPath: dir.file("emu.h5")))
        // A write that fails midway (the body throws) must not replace the file.
        XCTAssertThrowsError(try AtomicOutput.write(to: dir.file("emu.h5")) { tmp in
            let f = try HDF5File(create: tmp)
            try r.emulator.write(into: f)
            throw PDFEmuError(file: tmp, "simulated failure")
        })
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir.file("emu.h5"))), before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
    }

    func testDomainFlagsPointsFarFromTrainingData() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 1500)
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: 1, hidden: "[8]")))
        let emu = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("emu.h5"))).emulator
        XCTAssertTrue(emu.domain(at: [0.5, -0.2, 0]).inside)
        let far = emu.domain(at: [0.5 + 6 * 0.6, -0.2, 0])
        XCTAssertFalse(far.inside)
        XCTAssertGreaterThan(far.radius, 4)
    }
}
