import Foundation
import XCTest

/// The committed fixture files (Tests/PDFEmuTests/Fixtures, written by make_fixtures.py) and the
/// formulas that script used, so tests recompute expected values instead of storing them.
enum Fixture {
    /// Directory holding the fixture files (the test bundle's copy of Fixtures/).
    static let directory: URL = {
        if let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) { return url }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures")
    }()

    /// Path of fixture `name` ("good.h5").
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Parameter names in the good fixtures.
    static let parameterNames = ["alpha", "beta", "gamma"]
    /// Experiment names in the good fixtures.
    static let experimentNames = ["HERA_NC", "HERA_CC"]
    /// ndata_per_experiment in the good fixtures.
    static let ndata = [120, 35]
    /// Points in good.h5 (good_b.h5 continues with rows 20..<30).
    static let n = 20

    /// parameters[i, j] as make_fixtures.py writes it.
    static func parameter(_ i: Int, _ j: Int) -> Double { Double(i - 10) * 0.375 + 1.5 * Double(j) }
    /// chi2[i] as make_fixtures.py writes it.
    static func chi2(_ i: Int) -> Double { 100 + 0.25 * Double((i - 7) * (i - 7)) }
    /// chi2_per_experiment[i, e] as make_fixtures.py writes it.
    static func chi2PerExperiment(_ i: Int, _ e: Int) -> Double { 10 * Double(e + 1) + 0.125 * Double(i) }
}

/// The package's root directory (for Datasets/).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// Path of the bundled real scan.
let bundledScanPath = packageRoot.appendingPathComponent("Datasets/hera14_train.h5").path

/// A fresh temporary directory, removed by `remove()`.
final class TemporaryDirectory {
    /// The directory.
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("pdfemu-tests-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Path of `name` inside the directory.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Deletes the directory and everything in it.
    func remove() { try? FileManager.default.removeItem(at: url) }
}
