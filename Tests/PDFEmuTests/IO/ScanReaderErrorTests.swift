import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
import PDFEmuTestSupport

/// Every bad input gives one line naming the file (and the dataset where one is at fault).
final class ScanReaderErrorTests: XCTestCase {
    override func tearDown() {
        XCTAssertEqual(hdf5OpenObjectCount(), 0, "HDF5 objects left open after a failed read")
    }

    /// A bad input, the files to read and the exact message expected (`$F` is the first file's path).
    struct BadInput {
        var files: [String]
        var message: String
    }

    /// Every bad input (fixtures from make_fixtures.py and a missing file), with its expected message.
    static var badInputs: [BadInput] {
        func f(_ name: String) -> String { Fixture.path(name) }
        return [
            BadInput(files: [f("no_such_file.h5")], message: "$F: no such file"),
            BadInput(files: [f("not_hdf5.h5")], message: "$F: not an HDF5 file (no HDF5 signature)"),
            BadInput(files: [f("truncated.h5")], message: "$F: cannot open HDF5 file (damaged or truncated?)"),
            BadInput(files: [f("missing_chi2.h5")],
                     message: "$F: no chi2 dataset (looked for /chi2, /chisq, /chi2_total, /y)"),
            BadInput(files: [f("params_1d.h5")],
                     message: "$F: /parameters: is 1-D with shape [20], expected 2-D [N, P]"),
            BadInput(files: [f("chi2_string.h5")], message: "$F: /chi2: is a string dataset, expected numbers"),
            BadInput(files: [f("n_mismatch.h5")], message: "$F: /parameters has shape [20, 3] but /chi2 has 15 points"),
            BadInput(files: [f("names_wrong_length.h5")],
                     message: "$F: /parameter_names: has 4 names but /parameters has 3 parameters"),
            BadInput(files: [f("empty.h5")], message: "$F: /chi2: is empty (no points)"),
            BadInput(files: [f("all_nan.h5")],
                     message: "$F: all 20 rows have NaN or infinite values in /parameters or /chi2"),
            BadInput(files: [f("good.h5"), f("names_differ.h5")],
                     message: "\(f("names_differ.h5")): parameter names alpha,beta,delta differ from $F's alpha,beta,gamma"),
        ]
    }

    func testEveryBadInputGivesItsMessage() {
        for bad in Self.badInputs {
            let expected = bad.message.replacingOccurrences(of: "$F", with: bad.files[0])
            XCTAssertThrowsError(try ScanReader.read(bad.files), bad.files.joined(separator: " ")) { error in
                let message = userMessage(error)
                // The truncated file's message goes on with HDF5's own reason in parentheses.
                XCTAssertTrue(message.hasPrefix(expected), "got: \(message)\nexpected: \(expected)")
                XCTAssertFalse(message.contains("\n"), "not one line: \(message)")
            }
            XCTAssertEqual(hdf5OpenObjectCount(), 0, "leak after \(bad.files)")
        }
    }

    func testTruncatedFileCarriesHDF5Reason() {
        XCTAssertThrowsError(try ScanReader.read([Fixture.path("truncated.h5")])) { error in
            XCTAssertTrue(error is HDF5Error)
            XCTAssertTrue(userMessage(error).contains("truncated file"), userMessage(error))
        }
    }

    func testNoFileGiven() {
        XCTAssertThrowsError(try ScanReader.read([])) { error in
            XCTAssertEqual(userMessage(error), "no scan file given")
        }
    }

    func testExperimentNamesMustAgree() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let other = tmp.path("other_experiments.h5")
        do {
            let f = try HDF5File(create: other)
            try f.write("/parameters", (0..<60).map { Double($0) }, shape: [20, 3])
            try f.write("/chi2", (0..<20).map { Double($0) }, shape: [20])
            try f.writeStrings("/parameter_names", Fixture.parameterNames)
            try f.write("/chi2_per_experiment", [Double](repeating: 1, count: 40), shape: [20, 2])
            try f.writeStrings("/experiment_names", ["H1", "ZEUS"])
        }
        let good = Fixture.path("good.h5")
        XCTAssertEqual(try ScanReader.read([other]).experimentNames, ["H1", "ZEUS"])
        XCTAssertThrowsError(try ScanReader.read([good, other])) { error in
            XCTAssertEqual(userMessage(error), "\(other): experiment names differ from \(good)'s")
        }
        // A file without per-experiment χ² does not mix with one that has it.
        let plain = tmp.path("no_experiments.h5")
        do {
            let f = try HDF5File(create: plain)
            try f.write("/parameters", (0..<30).map { Double($0) }, shape: [10, 3])
            try f.write("/chi2", (0..<10).map { Double($0) }, shape: [10])
            try f.writeStrings("/parameter_names", Fixture.parameterNames)
        }
        XCTAssertThrowsError(try ScanReader.read([good, plain])) { error in
            XCTAssertEqual(userMessage(error), "\(plain): experiment names differ from \(good)'s")
        }
        XCTAssertEqual(hdf5OpenObjectCount(), 0)
    }
}
