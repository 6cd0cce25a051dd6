import XCTest
@testable import PDFEmuCore
@testable import PDFEmuNetwork
import PDFEmuTestSupport
import CKernels

/// The allocation-free value+gradient path (CKernels point kernels) against the BLAS path that the
/// Hessian uses, for Double weights and for Float-exact weights (the Float copy), over widths that hit
/// every kernel branch (fan-ins below, at and above 8, 32 and 128; transposed input layer).
final class PointKernelTests: XCTestCase {
    func network(inputs: Int, hidden: [Int], act: Activation, floatExact: Bool, seed: UInt64) -> DenseNetwork {
        let arch = MLPArchitecture(inputs: inputs, hidden: hidden, outputs: 2, activation: act)
        var rng = SeededGenerator(seed: seed)
        var w: [Double] = arch.initialParameters(.glorot, rng: &rng)
        for i in w.indices { w[i] += 0.05 * rng.nextGaussian() }
        if floatExact { w = w.map { Double(Float($0)) } }
        let mean = (0..<inputs).map { _ in rng.nextGaussian() }
        // A lower-triangular (whitening-like) input transform, and a log target transform on output 0.
        var a = [Double](repeating: 0, count: inputs * inputs)
        for i in 0..<inputs { for j in 0...i { a[i * inputs + j] = i == j ? 0.5 + rng.nextUniform() : 0.1 * rng.nextGaussian() } }
        return DenseNetwork(architecture: arch, weights: w, inputMean: mean, inputTransform: a,
                            outputShift: [1000, 5], outputScale: [30, 2], outputLogScale: [20, 0])
    }

    func testPointPathMatchesBLASPath() {
        let shapes: [(Int, [Int])] = [(4, [9, 7]), (14, [128, 128, 128]), (16, [40, 130]), (33, [256, 8]), (8, [1])]
        for (k, (p, hidden)) in shapes.enumerated() {
            for act in Activation.allCases {
                for exact in [false, true] {
                    let net = network(inputs: p, hidden: hidden, act: act, floatExact: exact, seed: UInt64(k + 1))
                    XCTAssertEqual(net.point.useFloat, exact, "Float copy used exactly when the weights are Floats")
                    var rng = SeededGenerator(seed: 99)
                    let theta = (0..<p).map { net.inputMean[$0] + 0.7 * rng.nextGaussian() }
                    for o in 0..<2 {
                        let fast = net.derivatives(at: theta, output: o, hessian: false)
                        let ref = net.derivatives(at: theta, output: o, hessian: true)
                        let tag = "P=\(p) \(hidden) \(act) exact=\(exact) o=\(o)"
                        XCTAssertEqual(fast.value, ref.value, accuracy: 1e-12 * max(1, abs(ref.value)), tag)
                        let gmax = ref.gradient.map(abs).max() ?? 1
                        for j in 0..<p {
                            XCTAssertEqual(fast.gradient[j], ref.gradient[j], accuracy: 1e-12 * max(1, gmax), "\(tag) ∂/∂θ\(j)")
                        }
                        XCTAssertEqual(net.outputs(at: theta)[o], ref.value, accuracy: 1e-12 * max(1, abs(ref.value)), tag)
                    }
                }
            }
        }
    }

    func testTanhKernelAccuracy() {
        // Values across the rational/exponential switch at |x| = 0.625 and into saturation.
        let xs: [Double] = stride(from: -25.0, through: 25.0, by: 0.0137).map { $0 } + [0, 1e-300, -1e-8, 0.625, -0.625, 0.6250001]
        var a = [Double](repeating: 0, count: xs.count), d = a
        pdfemu_tanh_f64(xs, &a, &d, xs.count)
        for (i, x) in xs.enumerated() {
            let t = Foundation.tanh(x)
            XCTAssertEqual(a[i], t, accuracy: 8e-16 * abs(t) + 1e-300, "tanh(\(x))")
            XCTAssertEqual(d[i], 1 - t * t, accuracy: 1e-15, "1 − tanh²(\(x))")
        }
    }
}
