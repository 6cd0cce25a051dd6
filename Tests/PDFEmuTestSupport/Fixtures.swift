import Foundation
import XCTest

/// The committed fixture files (Tests/PDFEmuTests/Fixtures, written by make_fixtures.py) and the
/// formulas that script used, so tests recompute expected values instead of storing them.
public enum Fixture {
    /// Directory holding the committed fixture files (Tests/PDFEmuTests/Fixtures).
    public static let directory: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PDFEmuTests/Fixtures")

    /// Path of fixture `name` ("good.h5").
    public static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Parameter names in the good fixtures.
    public static let parameterNames = ["alpha", "beta", "gamma"]
    /// Experiment names in the good fixtures.
    public static let experimentNames = ["HERA_NC", "HERA_CC"]
    /// ndata_per_experiment in the good fixtures.
    public static let ndata = [120, 35]
    /// Points in good.h5 (good_b.h5 continues with rows 20..<30).
    public static let n = 20

    /// parameters[i, j] as make_fixtures.py writes it.
    public static func parameter(_ i: Int, _ j: Int) -> Double { Double(i - 10) * 0.375 + 1.5 * Double(j) }
    /// chi2[i] as make_fixtures.py writes it.
    public static func chi2(_ i: Int) -> Double { 100 + 0.25 * Double((i - 7) * (i - 7)) }
    /// chi2_per_experiment[i, e] as make_fixtures.py writes it.
    public static func chi2PerExperiment(_ i: Int, _ e: Int) -> Double { 10 * Double(e + 1) + 0.125 * Double(i) }
}

/// The package's root directory (for Datasets/).
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Path of the bundled real scan.
public let bundledScanPath = packageRoot.appendingPathComponent("Datasets/hera14_train.h5").path

/// A fresh temporary directory, removed by `remove()`.
public final class TemporaryDirectory {
    /// The directory.
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("pdfemu-tests-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Path of `name` inside the directory.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Deletes the directory and everything in it.
    public func remove() { try? FileManager.default.removeItem(at: url) }
}
