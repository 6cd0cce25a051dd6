import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuTheory
import PDFEmuTestSupport

/// `Provenance`, the one type for the text attributes of output files, and the batch result the exact χ² returns.
final class ProvenanceTests: XCTestCase {
    func testKeysKeepTheirFirstPositionAndTheirLastValue() {
        var p: Provenance = [("oracle", "./fit"), ("run", "1"), ("oracle", "./fit2")]
        XCTAssertEqual(p.map(\.key), ["oracle", "run"])
        XCTAssertEqual(p["oracle"], "./fit2")
        p["cuts"] = "Q2 >= 3.5"
        p["run"] = nil
        XCTAssertEqual(p.map(\.key), ["oracle", "cuts"])
        let joined = p + [("run", "2"), ("oracle", "./fit3")]
        XCTAssertEqual(joined.map(\.key), ["oracle", "cuts", "run"])
        XCTAssertEqual(joined.map(\.value), ["./fit3", "Q2 >= 3.5", "2"])
        XCTAssertEqual(joined.filter { $0.key != "cuts" }, [("oracle", "./fit3"), ("run", "2")])
        XCTAssertNotEqual(Provenance([("a", "1"), ("b", "2")]), Provenance([("b", "2"), ("a", "1")]), "order is part of the value")
    }

    func testJSONIsTheObjectOfStringsADictionaryGave() throws {
        let p: Provenance = ["z": "last", "a": "first"]
        let json = try Fmt.json(p)
        XCTAssertEqual(json, try Fmt.json(["z": "last", "a": "first"]))
        let back = try JSONDecoder().decode(Provenance.self, from: Data(json.utf8))
        XCTAssertEqual(back.map(\.key), ["a", "z"], "decoded keys ascend")
        XCTAssertEqual(back["z"], "last")
    }

    func testHDF5RootAttributesRoundTripInNameOrder() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let path = tmp.path("p.h5")
        do {
            let f = try HDF5File(create: path)
            try f.writeProvenance([("run", "7"), ("oracle", "emulator:E.h5")])
            try f.writeAttribute("count", [Int64(3)])
            try f.flush()
        }
        let read = try HDF5File(open: path).provenance()
        XCTAssertEqual(read, [("count", "3"), ("oracle", "emulator:E.h5"), ("run", "7")], "every attribute as text, by name")
    }

    func testExactBatchGivesReasonsAndSkipsExperimentsWhenAskedTo() throws {
        let model = Theory.chi2
        let rows = try Theory.bundledRows(4)
        var points = rows.theta.flatMap { $0 }
        points[1 * 14 + 4] = -0.3       // row 1: Buv < 0
        let full = model.predictBatch(points)
        XCTAssertEqual(full.perExperiment.count, 4 * 7)
        XCTAssertEqual(full.undefinedReasons.count, 4)
        XCTAssertNil(full.undefinedReasons[0])
        XCTAssertEqual(full.undefinedReasons[1]?.hasPrefix("sum rule undefined"), true)
        XCTAssertEqual(full.spread, [0, 0, 0, 0])
        let totals = model.predictBatch(points, perExperiment: false)
        XCTAssertTrue(totals.perExperiment.isEmpty)
        XCTAssertEqual(totals.value[0], full.value[0], accuracy: 1e-10 * full.value[0])
        XCTAssertTrue(totals.value[1].isNaN)
    }
}
