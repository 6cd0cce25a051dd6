import XCTest
@testable import PDFEmuIO
@testable import PDFEmuNetwork
import PDFEmuTestSupport

/// A damaged stored accuracy report is an error naming it, not silently dropped.
final class DamagedReportTests: XCTestCase {
    func testADamagedAccuracyReportIsAnError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("damaged-report-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("e.h5").path
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path, toPath: path)
        XCTAssertNotNil(try Emulator.load(path).report, "the bundled emulator stores its report")
        do {
            let f = try HDF5File(open: path, writable: true)
            try f.writeAttribute("accuracy_report", "{\"bins\": [1, 2")
            try f.flush()
        }
        XCTAssertThrowsError(try Emulator.load(path)) { error in
            XCTAssertTrue("\(error)".contains("accuracy_report"), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }
}
