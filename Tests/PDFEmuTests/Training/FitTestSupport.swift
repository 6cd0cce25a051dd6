import Foundation
@testable import PDFEmuCore
@testable import PDFEmuIO
import PDFEmuTestSupport

/// A temporary directory removed when the value is released.
final class TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "pdfemu-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A small synthetic scan with a known non-quadratic χ² and two "experiments".
enum SyntheticScan {
    static let names = ["a", "b", "c"]

    static func chi2(_ t: [Double]) -> (total: Double, parts: [Double]) {
        let e1 = 4 * (t[0] - 0.5) * (t[0] - 0.5) + 2 * (t[1] + 0.2) * (t[1] + 0.2) + 1.5 * (t[0] - 0.5) * (t[1] + 0.2)
        let e2 = 3 * t[2] * t[2] + 0.5 * pow(t[1] + 0.2, 4) + 40
        return (100 + e1 + e2, [60 + e1, e2])
    }

    static func write(_ path: String, n: Int, seed: UInt64 = 5, nanRows: Int = 0, parameterNames: [String] = names) throws {
        var rng = SeededGenerator(seed: seed)
        var params: [Double] = [], c2: [Double] = [], per: [Double] = []
        for i in 0..<n {
            let t = [0.5 + 0.6 * rng.nextGaussian(), -0.2 + 0.8 * rng.nextGaussian(), 0.5 * rng.nextGaussian()]
            let v = chi2(t)
            params += t
            c2.append(i < nanRows ? .nan : v.total)
            per += v.parts
        }
        let f = try HDF5File(create: path)
        try f.write("/parameters", params, shape: [n, 3], options: .compressed)
        try f.write("/chi2", c2, shape: [n])
        try f.write("/chi2_per_experiment", per, shape: [n, 2])
        try f.writeStrings("/parameter_names", parameterNames)
        try f.writeStrings("/experiment_names", ["E1", "E2"])
        try f.writeAttribute("generator", "pdfemu tests: SyntheticScan")
    }

    /// A config for a quick fit of `scan` (JSON text).
    /// `loss`: a `loss` section in JSON (nil: the defaults).
    static func config(scan: String, output: String, extra: String = "", epochs: Int = 40, members: Int = 1,
                       hidden: String = "[32, 32]", loss: String? = nil) -> String {
        """
        {"data": {"files": ["\(scan)"]},\(loss.map { "\n \"loss\": \($0)," } ?? "")
         "network": {"hidden": \(hidden), "activation": "tanh", "members": \(members)},
         "training": {"epochs": \(epochs), "batch_size": 64, "learning_rate": 0.003, "max_minutes": 0, "threads": 1\(extra)},
         "split": {"train": 0.8, "validation": 0.1, "test": 0.1},
         "seed": 3,
         "output": "\(output)"}
        """
    }

    static func writeConfig(_ dir: TempDir, _ text: String, name: String = "fit.json") -> String {
        let p = dir.file(name)
        FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        return p
    }
}
