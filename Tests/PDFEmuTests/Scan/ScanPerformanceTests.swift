import XCTest
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

final class ScanPerformanceTests: XCTestCase {
    /// A 41-point warm-started profile of one parameter of a 14-parameter non-quadratic model.
    func testProfileOf14ParameterModelIsFast() throws {
        let m = QuadraticModel(p: 14, quartic: 0.05)
        // Warm up (BLAS load, first minimum).
        _ = try ScanRunner.run(model: m, options: ScanOptions(profileParameters: ["p3"]))
        let t0 = DispatchTime.now().uptimeNanoseconds
        let r = try ScanRunner.run(model: m, options: ScanOptions(profileParameters: ["p3"], refineCrossings: false))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let t = try XCTUnwrap(r.timing)
        XCTAssertTrue(r.profiles[0].converged.allSatisfy { $0 })
        // Model cost alone, for the same number of evaluations.
        let theta = r.minimum.theta
        let t1 = DispatchTime.now().uptimeNanoseconds
        var sink = 0.0
        for _ in 0..<t.modelEvaluations { sink += m.valueGradientHessian(at: theta).value }
        let modelSeconds = Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e9
        print(String(format: "profile p3 of 14-parameter model: %d points, %d evaluations, %.4f s total, units %.4f s "
                     + "(%.0f points/s); model alone %.4f s; minimiser overhead %.4f s [%g]",
                     t.profiledPoints, t.modelEvaluations, seconds, t.unitSeconds, t.pointsPerSecond, modelSeconds,
                     t.unitSeconds - modelSeconds, sink > 0 ? 1 : 0))
        XCTAssertLessThan(t.unitSeconds, 2.0)
    }
}
