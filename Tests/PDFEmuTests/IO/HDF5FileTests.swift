import Foundation
import XCTest
@testable import PDFEmuIO
import PDFEmuTestSupport

/// Round trips through `HDF5File`, with a leak check after every operation: while a file is open the
/// only open HDF5 object is the file itself; after it closes there are none.
final class HDF5FileTests: XCTestCase {
    var tmp: TemporaryDirectory!

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory()
        XCTAssertEqual(hdf5OpenObjectCount(), 0, "an earlier test leaked HDF5 objects")
    }

    override func tearDown() {
        tmp.remove()
        XCTAssertEqual(hdf5OpenObjectCount(), 0, "HDF5 objects left open")
    }

    /// Asserts that exactly one HDF5 object (the open file) is open.
    func assertOnlyFileOpen(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(hdf5OpenObjectCount(), 1, "HDF5 objects leaked by the last operation", file: file, line: line)
    }

    func testNumericRoundTrips() throws {
        let path = tmp.path("numeric.h5")
        let d1: [Double] = [1.5, -2.25, .pi, 1e-300, -0.0]
        let d2: [Double] = (0..<12).map { Double($0) * 0.1 - 0.55 }
        let f2: [Float] = (0..<6).map { Float($0) / 3 }
        let i1: [Int64] = [0, -1, Int64.max, Int64.min, 42]
        let i32: [Int32] = [7, -7, Int32.max]
        do {
            let f = try HDF5File(create: path)
            try f.write("/d1", d1, shape: [5]); assertOnlyFileOpen()
            try f.write("/d2", d2, shape: [3, 4]); assertOnlyFileOpen()
            try f.write("/g/f2", f2, shape: [2, 3]); assertOnlyFileOpen()
            try f.write("/i1", i1, shape: [5]); assertOnlyFileOpen()
            try f.write("/i32", i32, shape: [3]); assertOnlyFileOpen()
            try f.write("/empty", [Double](), shape: [0, 4]); assertOnlyFileOpen()
        }
        XCTAssertEqual(hdf5OpenObjectCount(), 0)

        let f = try HDF5File(open: path)
        let r1 = try f.read("/d1", as: Double.self); assertOnlyFileOpen()
        XCTAssertEqual(r1.shape, [5])
        XCTAssertEqual(r1.values, d1)
        XCTAssertEqual(r1.values[4].sign, .minus, "-0.0 keeps its sign")
        let r2 = try f.read("/d2", as: Double.self); assertOnlyFileOpen()
        XCTAssertEqual(r2.shape, [3, 4])
        XCTAssertEqual(r2.values, d2)
        let rf = try f.read("/g/f2", as: Float.self); assertOnlyFileOpen()
        XCTAssertEqual(rf.shape, [2, 3])
        XCTAssertEqual(rf.values, f2)
        let ri = try f.read("/i1", as: Int64.self); assertOnlyFileOpen()
        XCTAssertEqual(ri.values, i1)
        let ri32 = try f.read("/i32", as: Int32.self); assertOnlyFileOpen()
        XCTAssertEqual(ri32.values, i32)
        let re = try f.read("/empty", as: Double.self); assertOnlyFileOpen()
        XCTAssertEqual(re.shape, [0, 4])
        XCTAssertEqual(re.values, [])

        // Conversions on read: float32 into Double is exact; integers into Double.
        let fd = try f.read("/g/f2", as: Double.self); assertOnlyFileOpen()
        XCTAssertEqual(fd.values, f2.map(Double.init))
        let id = try f.read("/i32", as: Double.self); assertOnlyFileOpen()
        XCTAssertEqual(id.values, i32.map(Double.init))

        let info = try f.info("/g/f2"); assertOnlyFileOpen()
        XCTAssertEqual(info, HDF5DatasetInfo(shape: [2, 3], elementClass: .float, elementSize: 4))
        XCTAssertEqual(info.count, 6)
        XCTAssertEqual(try f.info("/i1"), HDF5DatasetInfo(shape: [5], elementClass: .integer, elementSize: 8))
        assertOnlyFileOpen()
    }

    func testChunkedGzipRoundTripCompresses() throws {
        let path = tmp.path("gzip.h5")
        let rows = 10_000, cols = 8
        // Highly compressible (repeats every 10 rows) but not constant.
        let values = (0..<(rows * cols)).map { Double(($0 / cols) % 10) + Double($0 % cols) * 0.5 }
        do {
            let f = try HDF5File(create: path)
            try f.write("/compressed", values, shape: [rows, cols], options: .compressed); assertOnlyFileOpen()
            try f.write("/small_chunks", values, shape: [rows, cols],
                        options: HDF5WriteOptions(chunkRows: 64, gzipLevel: 9)); assertOnlyFileOpen()
            try f.write("/chunked_only", values, shape: [rows, cols],
                        options: HDF5WriteOptions(chunkRows: 1000, gzipLevel: 0)); assertOnlyFileOpen()
        }
        let f = try HDF5File(open: path)
        for name in ["/compressed", "/small_chunks", "/chunked_only"] {
            let r = try f.read(name, as: Double.self); assertOnlyFileOpen()
            XCTAssertEqual(r.shape, [rows, cols], name)
            XCTAssertEqual(r.values, values, name)
        }
        // Three datasets of 640 kB raw each: one uncompressed copy plus two compressed ones.
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        let raw = rows * cols * 8
        XCTAssertGreaterThan(size, raw, "the chunked, uncompressed dataset is stored in full")
        XCTAssertLessThan(size, raw + raw / 4, "gzip did not compress the two compressed datasets")
    }

    func testReadsH5pyGzipShuffleChunks() throws {
        // good.h5 was written by h5py with gzip + shuffle chunks of 8 rows; good_f32.h5 the same in float32.
        for name in ["good.h5", "good_f32.h5"] {
            let f = try HDF5File(open: Fixture.path(name))
            let p = try f.read("/parameters", as: Double.self); assertOnlyFileOpen()
            XCTAssertEqual(p.shape, [Fixture.n, 3])
            for i in 0..<Fixture.n { for j in 0..<3 { XCTAssertEqual(p.values[i * 3 + j], Fixture.parameter(i, j)) } }
            let info = try f.info("/parameters")
            XCTAssertEqual(info.elementSize, name == "good.h5" ? 8 : 4)
        }
    }

    func testStringRoundTrips() throws {
        let path = tmp.path("strings.h5")
        let names = ["alpha", "", "χ²_HERA", "with space ", String(repeating: "x", count: 300)]
        do {
            let f = try HDF5File(create: path)
            try f.writeStrings("/names", names); assertOnlyFileOpen()
            try f.writeStrings("/grp/one", ["only"]); assertOnlyFileOpen()
            try f.writeStrings("/none", []); assertOnlyFileOpen()
        }
        let f = try HDF5File(open: path)
        XCTAssertEqual(try f.readStrings("/names"), names); assertOnlyFileOpen()
        XCTAssertEqual(try f.readStrings("/grp/one"), ["only"]); assertOnlyFileOpen()
        XCTAssertEqual(try f.readStrings("/none"), []); assertOnlyFileOpen()
        XCTAssertEqual(try f.info("/names").elementClass, .string); assertOnlyFileOpen()
    }

    func testFixedLengthStringsFromH5py() throws {
        // /experiment_names is fixed-length (S7, NUL-padded), /parameter_names variable-length UTF-8.
        let f = try HDF5File(open: Fixture.path("good.h5"))
        XCTAssertEqual(try f.readStrings("/experiment_names"), Fixture.experimentNames); assertOnlyFileOpen()
        XCTAssertEqual(try f.readStrings("/parameter_names"), Fixture.parameterNames); assertOnlyFileOpen()
        XCTAssertEqual(try f.readStringAttribute("fixed_note"), "fixed-length attribute"); assertOnlyFileOpen()
        XCTAssertEqual(try f.readStringAttribute("description"), "pdfemu test fixture good.h5"); assertOnlyFileOpen()
        XCTAssertEqual(try f.readNumericAttribute("n_points") as [Int64], [20]); assertOnlyFileOpen()
        XCTAssertEqual(try f.readNumericAttribute("chi2_offset") as [Double], [100]); assertOnlyFileOpen()
        // Numeric attributes read as text render as numbers.
        XCTAssertEqual(try f.readStringAttribute("n_points"), "20"); assertOnlyFileOpen()
        XCTAssertEqual(Set(try f.attributeNames()),
                       ["description", "generator", "n_points", "chi2_offset", "fixed_note"]); assertOnlyFileOpen()
    }

    func testAttributeRoundTrips() throws {
        let path = tmp.path("attrs.h5")
        do {
            let f = try HDF5File(create: path)
            try f.write("/x", [1.0, 2.0], shape: [2]); assertOnlyFileOpen()
            try f.writeAttribute("text", "first"); assertOnlyFileOpen()
            try f.writeAttribute("text", "replaced: Δχ² = 1"); assertOnlyFileOpen()
            try f.writeAttribute("scalar", [2.5]); assertOnlyFileOpen()
            try f.writeAttribute("vector", [Int64(3), -4, 5]); assertOnlyFileOpen()
            try f.writeAttribute("unit", "GeV", of: "/x"); assertOnlyFileOpen()
            try f.writeAttribute("scale", [Float(0.5)], of: "/x"); assertOnlyFileOpen()
        }
        let f = try HDF5File(open: path)
        XCTAssertEqual(try f.readStringAttribute("text"), "replaced: Δχ² = 1"); assertOnlyFileOpen()
        XCTAssertEqual(try f.readNumericAttribute("scalar") as [Double], [2.5]); assertOnlyFileOpen()
        XCTAssertEqual(try f.readNumericAttribute("vector") as [Int64], [3, -4, 5]); assertOnlyFileOpen()
        XCTAssertEqual(try f.readNumericAttribute("vector") as [Double], [3, -4, 5]); assertOnlyFileOpen()
        XCTAssertEqual(try f.readStringAttribute("vector"), "3, -4, 5"); assertOnlyFileOpen()
        XCTAssertEqual(try f.readStringAttribute("scalar"), "2.5"); assertOnlyFileOpen()
        XCTAssertEqual(try f.readStringAttribute("unit", of: "/x"), "GeV"); assertOnlyFileOpen()
        XCTAssertEqual(try f.readNumericAttribute("scale", of: "/x") as [Double], [0.5]); assertOnlyFileOpen()
        XCTAssertEqual(try f.attributeNames(), ["scalar", "text", "vector"]); assertOnlyFileOpen()
        XCTAssertEqual(try f.attributeNames(of: "/x"), ["scale", "unit"]); assertOnlyFileOpen()
        XCTAssertTrue(f.hasAttribute("text")); assertOnlyFileOpen()
        XCTAssertFalse(f.hasAttribute("nope")); assertOnlyFileOpen()
        XCTAssertFalse(f.hasAttribute("unit", of: "/missing")); assertOnlyFileOpen()
    }

    func testStructure() throws {
        let path = tmp.path("structure.h5")
        do {
            let f = try HDF5File(create: path)
            try f.createGroup("/a/b/c"); assertOnlyFileOpen()
            try f.createGroup("/a/b/c"); assertOnlyFileOpen()  // existing: no error
            try f.write("/a/b/data", [1.0], shape: [1]); assertOnlyFileOpen()
            try f.write("/z", [Int64(1)], shape: [1]); assertOnlyFileOpen()
            try f.writeStrings("/a/names", ["n"]); assertOnlyFileOpen()
            try f.flush(); assertOnlyFileOpen()
        }
        let f = try HDF5File(open: path)
        XCTAssertEqual(try f.members(), ["a", "z"]); assertOnlyFileOpen()
        XCTAssertEqual(try f.members(of: "/a"), ["b", "names"]); assertOnlyFileOpen()
        XCTAssertEqual(try f.members(of: "/a/b"), ["c", "data"]); assertOnlyFileOpen()
        XCTAssertEqual(try f.members(of: "/a/b/c"), []); assertOnlyFileOpen()
        XCTAssertTrue(f.exists("/a/b/c")); assertOnlyFileOpen()
        XCTAssertFalse(f.exists("/a/x/c")); assertOnlyFileOpen()
        XCTAssertFalse(f.exists("/q")); assertOnlyFileOpen()
        XCTAssertTrue(f.isDataset("/a/b/data")); assertOnlyFileOpen()
        XCTAssertFalse(f.isDataset("/a/b")); assertOnlyFileOpen()
        XCTAssertFalse(f.isDataset("/nope/deeper")); assertOnlyFileOpen()

        let g = try HDF5File(open: Fixture.path("good.h5"))
        XCTAssertEqual(try g.members(), ["chi2", "chi2_per_experiment", "experiment_names", "ndata_per_experiment",
                                         "parameter_names", "parameters"])
        XCTAssertEqual(hdf5OpenObjectCount(), 2, "two files open, nothing else")
    }

    func testOpenForWritingAppends() throws {
        let path = tmp.path("append.h5")
        do { let f = try HDF5File(create: path); try f.write("/a", [1.0], shape: [1]) }
        do { let f = try HDF5File(open: path, writable: true); try f.write("/b", [2.0], shape: [1]); assertOnlyFileOpen() }
        let f = try HDF5File(open: path)
        XCTAssertEqual(try f.members(), ["a", "b"])
        XCTAssertEqual(try f.read("/b", as: Double.self).values, [2])
    }
}
