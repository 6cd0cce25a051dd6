import XCTest
@testable import PDFEmuIO
import PDFEmuTestSupport

final class SmokeTests: XCTestCase {
    func testBundledScanReads() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let scan = try ScanReader.read([root.appendingPathComponent("Datasets/hera14_train.h5").path])
        XCTAssertEqual(scan.count, 50000)
        XCTAssertEqual(scan.parameterCount, 14)
        XCTAssertEqual(scan.experimentCount, 7)
        XCTAssertEqual(hdf5OpenObjectCount(), 0)
    }
}
