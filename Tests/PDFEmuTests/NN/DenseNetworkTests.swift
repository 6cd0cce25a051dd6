import XCTest
@testable import PDFEmuCore
@testable import PDFEmuNetwork
import PDFEmuTestSupport

/// Exact gradient and Hessian of the network against finite differences, for every activation.
final class DenseNetworkTests: XCTestCase {
    func network(_ act: Activation, seed: UInt64 = 3, structure: OutputStructure = .direct) -> DenseNetwork {
        let arch = MLPArchitecture(inputs: 4, hidden: [9, 7], outputs: 3, activation: act, outputStructure: structure, components: 5)
        var rng = SeededGenerator(seed: seed)
        var w: [Double] = arch.initialParameters(.glorot, rng: &rng)
        for i in w.indices { w[i] += 0.1 * rng.nextGaussian() }  // non-zero biases too
        return DenseNetwork(architecture: arch, weights: w, inputMean: [0.1, -0.2, 0.3, 0],
                            inputTransform: [2, 0, 0, 0, 0.3, 0.5, 0, 0, -0.2, 0.1, 0.7, 0, 0.05, 0, 0.4, 1.2],
                            outputShift: [100, 3, 4], outputScale: [20, 2, 1], outputLogScale: [15, 0, 4])
    }

    func testGradientAndHessianMatchFiniteDifferences() {
        for structure in OutputStructure.allCases { for act in Activation.allCases {
            let net = network(act, structure: structure)
            let theta = [0.3, -0.7, 1.1, 0.4]
            for o in 0..<3 {
                let r = net.derivatives(at: theta, output: o, hessian: true)
                XCTAssertEqual(r.value, net.outputs(at: theta)[o], accuracy: 1e-12)
                let h = 1e-5
                for i in 0..<4 {
                    var tp = theta, tm = theta
                    tp[i] += h; tm[i] -= h
                    let fd = (net.outputs(at: tp)[o] - net.outputs(at: tm)[o]) / (2 * h)
                    XCTAssertEqual(r.gradient[i], fd, accuracy: 1e-6 * max(1, abs(fd)), "\(structure) \(act) output \(o) ∂/∂θ\(i)")
                    let gp = net.derivatives(at: tp, output: o, hessian: false).gradient
                    let gm = net.derivatives(at: tm, output: o, hessian: false).gradient
                    for j in 0..<4 {
                        let fdh = (gp[j] - gm[j]) / (2 * h)
                        XCTAssertEqual(r.hessian[i * 4 + j], fdh, accuracy: 1e-5 * max(1, abs(fdh)), "\(structure) \(act) H[\(i),\(j)]")
                        XCTAssertEqual(r.hessian[i * 4 + j], r.hessian[j * 4 + i], accuracy: 1e-12)
                    }
                }
            }
        } }
    }

    func testBatchedForwardMatchesPointEvaluation() {
        for act in Activation.allCases {
            let net = network(act)
            let arch = net.architecture
            var rng = SeededGenerator(seed: 9)
            let n = 37
            let thetas = (0..<(n * 4)).map { _ in rng.nextGaussian() }
            let batch = MLPBatch<Double>(arch, capacity: 64)
            let x = (0..<n).flatMap { DenseNetwork.transform(Array(thetas[($0 * 4)..<($0 * 4 + 4)]), mean: net.inputMean, matrix: net.inputTransform) }
            let out = net.weights.withUnsafeBufferPointer { batch.forward(parameters: $0.baseAddress!, input: x, rows: n) }
            for i in 0..<n {
                let ref = net.outputs(at: Array(thetas[(i * 4)..<(i * 4 + 4)]))
                for o in 0..<3 { XCTAssertEqual(net.physical(o, out[i * 3 + o]), ref[o], accuracy: 1e-10) }
            }
            // Float path agrees to single precision.
            let bf = MLPBatch<Float>(arch, capacity: 64)
            let wf = net.weights.map { Float($0) }
            let xf = x.map { Float($0) }
            let outf = wf.withUnsafeBufferPointer { bf.forward(parameters: $0.baseAddress!, input: xf, rows: n) }
            for i in 0..<(n * 3) { XCTAssertEqual(Double(outf[i]), out[i], accuracy: 2e-5 * max(1, abs(out[i])), "\(act)") }
        }
    }

    func testBackwardMatchesFiniteDifferenceOfLoss() {
        for act in Activation.allCases {
            let net = network(act)
            let arch = net.architecture
            var rng = SeededGenerator(seed: 11)
            let n = 5
            let x = (0..<(n * 4)).map { _ in rng.nextGaussian() }
            let target = (0..<(n * 3)).map { _ in rng.nextGaussian() }
            let batch = MLPBatch<Double>(arch, capacity: n)
            func loss(_ w: [Double]) -> Double {
                let out = w.withUnsafeBufferPointer { batch.forward(parameters: $0.baseAddress!, input: x, rows: n) }
                return (0..<(n * 3)).reduce(0) { $0 + (out[$1] - target[$1]) * (out[$1] - target[$1]) }
            }
            var w = net.weights
            let out = w.withUnsafeBufferPointer { batch.forward(parameters: $0.baseAddress!, input: x, rows: n) }
            let dOut = (0..<(n * 3)).map { 2 * (out[$0] - target[$0]) }
            var grad = [Double](repeating: 0, count: w.count)
            w.withUnsafeBufferPointer { batch.backward(parameters: $0.baseAddress!, input: x, rows: n, dOutput: dOut, gradient: &grad) }
            for i in stride(from: 0, to: w.count, by: 7) {
                let h = 1e-6
                let w0 = w[i]
                w[i] = w0 + h; let lp = loss(w)
                w[i] = w0 - h; let lm = loss(w)
                w[i] = w0
                XCTAssertEqual(grad[i], (lp - lm) / (2 * h), accuracy: 1e-5 * max(1, abs(grad[i])), "\(act) parameter \(i)")
            }
        }
    }

    func testFloatKernelsMatchDoubleActivations() {
        let z: [Float] = stride(from: -12.0, through: 12.0, by: 0.37).map { Float($0) }
        for act in Activation.allCases {
            var a = [Float](repeating: 0, count: z.count)
            Float.activate(act, z: z, a: &a, count: z.count)
            var g = [Float](repeating: 1, count: z.count)
            Float.multiplyByDerivative(act, z: z, a: a, g: &g, count: z.count)
            for i in z.indices {
                let (v, d, _) = act.derivatives(Double(z[i]))
                XCTAssertEqual(Double(a[i]), v, accuracy: 2e-6 * max(1, abs(v)), "\(act)(\(z[i]))")
                XCTAssertEqual(Double(g[i]), d, accuracy: 2e-6 * max(1, abs(d)), "\(act)'(\(z[i]))")
            }
        }
    }
}
