import XCTest
@testable import PDFEmuIO
import PDFEmuTestSupport

/// The record layer: each typed helper round-trips, and damaged records are one-line errors.
final class HDF5RecordTests: XCTestCase {
    func testRecordsRoundTripAndDamagedOnesAreErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("records-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.h5").path
        do {
            let f = try HDF5File(create: path)
            try f.createGroup("/g")
            try f.setScalar("x", 2.5, of: "/g"); try f.setInteger("n", 42, of: "/g"); try f.setFlag("ok", true, of: "/g")
            try f.setScalar("half", 2.5, of: "/")
            try f.writeVector("/g/v", [1, 2, 3]); try f.writeIntegers("/g/i", [4, -5]); try f.writeFlags("/g/b", [true, false])
            try f.writeMatrixRows("/g/m", [[1, 2], [3, 4], [5, 6]], columns: 2)
            try f.writeStringList("/g/s", ["a", "b"]); try f.writeStringList("/g/none", [])
            try f.flush()
        }
        let f = try HDF5File(open: path)
        XCTAssertEqual(try f.scalar("x", of: "/g"), 2.5)
        XCTAssertEqual(try f.integer("n", of: "/g"), 42)
        XCTAssertEqual(try f.flag("ok", of: "/g"), true)
        XCTAssertEqual(try f.vector("/g/v"), [1, 2, 3])
        XCTAssertEqual(try f.integers("/g/i"), [4, -5])
        XCTAssertEqual(try f.flags("/g/b"), [true, false])
        XCTAssertEqual(try f.matrixRows("/g/m"), [[1, 2], [3, 4], [5, 6]])
        XCTAssertEqual(try f.stringList("/g/s"), ["a", "b"])
        XCTAssertEqual(try f.stringList("/g/none"), [])
        XCTAssertThrowsError(try f.integer("half")) { XCTAssertTrue("\($0)".contains("not an integer"), "\($0)") }
        XCTAssertThrowsError(try f.matrixRows("/g/v")) { XCTAssertTrue("\($0)".contains("is not a matrix"), "\($0)") }
        XCTAssertThrowsError(try f.scalar("missing", of: "/g")) { XCTAssertFalse("\($0)".contains("\n")) }
    }
}
