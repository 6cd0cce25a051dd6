import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
import PDFEmuTestSupport

/// Every HDF5 failure surfaces as one `HDF5Error` line naming the file and the object, and leaks nothing.
final class HDF5ErrorTests: XCTestCase {
    var tmp: TemporaryDirectory!

    override func setUpWithError() throws { tmp = try TemporaryDirectory() }

    override func tearDown() {
        tmp.remove()
        XCTAssertEqual(hdf5OpenObjectCount(), 0, "HDF5 objects left open")
    }

    /// Runs `body`, expects an HDF5Error for `file` and `object` whose message contains `fragment`.
    func expectError(file: String, object: String, _ fragment: String, line: UInt = #line,
                     _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("no error thrown", line: line)
        } catch let e as HDF5Error {
            XCTAssertEqual(e.file, file, line: line)
            XCTAssertEqual(e.object, object, line: line)
            XCTAssertTrue(e.message.contains(fragment), "'\(e.message)' lacks '\(fragment)'", line: line)
            XCTAssertFalse(e.description.contains("\n"), "not one line: \(e.description)", line: line)
            XCTAssertTrue(e.description.hasPrefix(file + ": "), e.description, line: line)
            if !object.isEmpty { XCTAssertTrue(e.description.contains(object), e.description, line: line) }
            XCTAssertEqual(userMessage(e), e.description, line: line)
        } catch {
            XCTFail("expected HDF5Error, got \(type(of: error)): \(error)", line: line)
        }
    }

    func testOpenFailures() throws {
        let missing = tmp.path("missing.h5")
        expectError(file: missing, object: "", "no such file") { _ = try HDF5File(open: missing) }
        expectError(file: tmp.url.path, object: "", "is a directory") { _ = try HDF5File(open: tmp.url.path) }
        let notH5 = Fixture.path("not_hdf5.h5")
        expectError(file: notH5, object: "", "not an HDF5 file") { _ = try HDF5File(open: notH5) }
        let truncated = Fixture.path("truncated.h5")
        expectError(file: truncated, object: "", "truncated") { _ = try HDF5File(open: truncated) }
        let noDir = tmp.path("no/such/dir/out.h5")
        expectError(file: noDir, object: "", "cannot create HDF5 file") { _ = try HDF5File(create: noDir) }
    }

    func testObjectFailures() throws {
        let path = tmp.path("objects.h5")
        do {
            let f = try HDF5File(create: path)
            try f.write("/x", [1.0, 2.0], shape: [2])
            try f.writeStrings("/s", ["a"])
            try f.createGroup("/g")
            try f.writeAttribute("note", "text")
            expectError(file: path, object: "/x", "cannot create dataset") { try f.write("/x", [3.0], shape: [1]) }
            expectError(file: path, object: "/y", "does not hold") { try f.write("/y", [3.0], shape: [2, 2]) }
            XCTAssertEqual(hdf5OpenObjectCount(), 1)
        }
        let f = try HDF5File(open: path)
        expectError(file: path, object: "/nope", "no such dataset") { _ = try f.read("/nope", as: Double.self) }
        expectError(file: path, object: "/g/deeper", "no such dataset") { _ = try f.read("/g/deeper", as: Double.self) }
        expectError(file: path, object: "/g", "is not a dataset") { _ = try f.read("/g", as: Double.self) }
        expectError(file: path, object: "/s", "expected numbers") { _ = try f.read("/s", as: Double.self) }
        expectError(file: path, object: "/x", "expected strings") { _ = try f.readStrings("/x") }
        expectError(file: path, object: "/nope", "no such group") { _ = try f.members(of: "/nope") }
        expectError(file: path, object: "attribute 'missing'", "no such attribute") {
            _ = try f.readStringAttribute("missing")
        }
        expectError(file: path, object: "attribute 'note'", "is not numeric") {
            let _: [Double] = try f.readNumericAttribute("note")
        }
        expectError(file: path, object: "/x attribute 'unit'", "no such attribute") {
            _ = try f.readStringAttribute("unit", of: "/x")
        }
        XCTAssertEqual(hdf5OpenObjectCount(), 1, "failed operations leaked objects")
        // A read-only file refuses writes with HDF5's own reason.
        expectError(file: path, object: "/new", "cannot create dataset") { try f.write("/new", [1.0], shape: [1]) }
        XCTAssertEqual(hdf5OpenObjectCount(), 1)
    }
}
