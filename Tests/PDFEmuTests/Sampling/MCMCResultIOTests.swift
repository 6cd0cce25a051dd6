import XCTest
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

final class MCMCResultIOTests: XCTestCase {
    func testHDF5RoundTripAndAtomicWrite() throws {
        let model = try GaussianChi2Model(mu: [0, 1], covariance: [1, 0.2, 0.2, 0.5])
        let r = try EnsembleSampler.run(model: model, start: .startingPoints,
                                        options: MCMCOptions(walkers: 8, steps: 100, burnIn: 10, thin: 2, seed: 9,
                                                             lower: [-5, -5], upper: [5, 5]))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mcmc-io-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("chain.h5").path
        try r.write(to: path)
        do {
            let f = try HDF5File(open: path)
            let back = try MCMCResult.read(from: f, group: "/")
            XCTAssertEqual(back, r)
            XCTAssertEqual(try f.read("/samples", as: Double.self).shape, [r.sampleCount, 2])
            XCTAssertEqual(try f.readStrings("/parameter_names"), ["p0", "p1"])
        }
        // Into a group of an existing file.
        let path2 = dir.appendingPathComponent("scan.h5").path
        try AtomicOutput.write(to: path2) { tmp in
            let f = try HDF5File(create: tmp)
            try r.write(into: f, group: "/mcmc")
        }
        do {
            let f = try HDF5File(open: path2)
            XCTAssertEqual(try MCMCResult.read(from: f, group: "/mcmc").samples, r.samples)
            XCTAssertEqual(try f.readNumericAttribute("walkers", of: "/mcmc") as [Int64], [8])
        }
        // A failed write leaves nothing behind.
        let bad = dir.appendingPathComponent("missing-dir/x.h5").path
        XCTAssertThrowsError(try r.write(to: bad))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["chain.h5", "scan.h5"])
        XCTAssertEqual(hdf5OpenObjectCount(), 0)
    }
}
