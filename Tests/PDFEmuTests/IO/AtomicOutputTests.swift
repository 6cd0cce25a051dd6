import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
import PDFEmuTestSupport

final class AtomicOutputTests: XCTestCase {
    var tmp: TemporaryDirectory!
    override func setUpWithError() throws { tmp = try TemporaryDirectory() }
    override func tearDown() { tmp.remove() }

    func testWritesThroughTemporaryFile() throws {
        let path = tmp.path("out.txt")
        try AtomicOutput.write(Data("hello\n".utf8), to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "hello\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.url.path), ["out.txt"])
    }

    func testFailureLeavesOldFileAndNoTemporary() throws {
        let path = tmp.path("out.h5")
        try AtomicOutput.write(Data("old".utf8), to: path)
        struct Boom: Error {}
        XCTAssertThrowsError(try AtomicOutput.write(to: path) { tmpPath in
            let f = try HDF5File(create: tmpPath)
            try f.write("/x", [1.0], shape: [1])
            throw Boom()
        })
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.url.path), ["out.h5"])
        XCTAssertEqual(hdf5OpenObjectCount(), 0)
    }

    func testHDF5OutputIsComplete() throws {
        let path = tmp.path("atomic.h5")
        try AtomicOutput.write(to: path) { tmpPath in
            let f = try HDF5File(create: tmpPath)
            try f.write("/x", [1.0, 2.0], shape: [2])
        }
        let f = try HDF5File(open: path)
        XCTAssertEqual(try f.read("/x", as: Double.self).values, [1, 2])
    }

    func testUnwritableTargetsNamed() {
        let noDir = tmp.path("missing/out.h5")
        XCTAssertThrowsError(try AtomicOutput.write(Data(), to: noDir)) { error in
            XCTAssertEqual(userMessage(error), "\(noDir): output directory \(tmp.path("missing")) does not exist")
        }
        XCTAssertThrowsError(try AtomicOutput.write(Data(), to: tmp.url.path)) { error in
            XCTAssertTrue(userMessage(error).hasSuffix("is a directory"), userMessage(error))
        }
    }
}
