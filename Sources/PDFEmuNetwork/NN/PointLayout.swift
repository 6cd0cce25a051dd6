import Foundation
import CKernels
import PDFEmuCore
import PDFEmuIO

/// A network's weights as the CKernels one-point kernels read them (row-major fanOut × fanIn per layer,
/// both directions): a Float copy when every weight is exactly a Float (networks trained in float32),
/// which halves the memory read per call and gives the same double-precision results; else the Double
/// weights themselves.
struct PointLayout: Sendable {
    /// Widths: inputs, hidden…, outputs.
    let sizes: [Int]
    /// Offset of each layer's weights and bias in the flat parameter buffer (and in `weightsF`).
    let weightOffsets: [Int], biasOffsets: [Int]
    /// Float copy of the parameters (when exact), else empty.
    let weightsF: [Float]
    /// Transposed copies (fanIn × fanOut) of the layers whose fan-in is not a multiple of 8 (the input
    /// layer, P inputs), in the precision of the kernels: offset per layer, or −1.
    let transposedOffsets: [Int]
    let transposedF: [Float], transposedD: [Double]
    /// Whether the Float copy is used.
    let useFloat: Bool
    /// Offset in the scratch of σ'(z) of each hidden layer (see `pointForward`).
    let derivativeOffsets: [Int]
    /// Doubles of scratch one evaluation needs.
    let scratchCount: Int

    init(_ architecture: MLPArchitecture, weights: [Double]) {
        let layers = architecture.layers
        sizes = [architecture.inputs] + layers.map(\.fanOut)
        var wo: [Int] = [], bo: [Int] = []
        var off = 0
        for l in layers {
            wo.append(off); bo.append(off + l.fanIn * l.fanOut)
            off += l.fanIn * l.fanOut + l.fanOut
        }
        weightOffsets = wo; biasOffsets = bo
        useFloat = weights.allSatisfy { Double(Float($0)) == $0 }
        weightsF = useFloat ? weights.map { Float($0) } : []
        var tOff: [Int] = [], t: [Double] = []
        for (i, l) in layers.enumerated() {
            guard l.fanIn % 8 != 0 else { tOff.append(-1); continue }
            tOff.append(t.count)
            var block = [Double](repeating: 0, count: l.fanIn * l.fanOut)
            for r in 0..<l.fanOut { for k in 0..<l.fanIn { block[k * l.fanOut + r] = weights[wo[i] + r * l.fanIn + k] } }
            t += block
        }
        transposedOffsets = tOff
        transposedF = useFloat ? t.map { Float($0) } : []
        transposedD = useFloat ? [] : t
        // Scratch: x, then z, σ(z), σ'(z) of each hidden layer, z of the output layer, then two
        // back-propagation buffers.
        var d: [Int] = [], c = sizes[0]
        for l in 0..<(layers.count - 1) { d.append(c + 2 * sizes[l + 1]); c += 3 * sizes[l + 1] }
        derivativeOffsets = d
        scratchCount = c + sizes[layers.count] + 2 * (sizes.max() ?? 1)
    }
}

extension PointLayout {
    /// z = b + W·x of layer `l` (`w`: the Double parameters, for the bias and when no Float copy is used).
    @inline(__always)
    func forward(layer l: Int, fi: Int, fo: Int, w: UnsafePointer<Double>, x: UnsafePointer<Double>, z: UnsafeMutablePointer<Double>) {
        let b = w + biasOffsets[l]
        let t = transposedOffsets[l]
        if t >= 0 {
            // Wᵀ stored (fi × fo): z = (Wᵀ)ᵀ·x in the streaming form, then the bias.
            if useFloat {
                transposedF.withUnsafeBufferPointer { pdfemu_dense_backward_f64_f32w(fo, fi, $0.baseAddress! + t, x, z) }
            } else {
                transposedD.withUnsafeBufferPointer { pdfemu_dense_backward_f64(fo, fi, $0.baseAddress! + t, x, z) }
            }
            for r in 0..<fo { z[r] += b[r] }
        } else if useFloat {
            weightsF.withUnsafeBufferPointer { pdfemu_dense_forward_f64_f32w(fi, fo, $0.baseAddress! + weightOffsets[l], b, x, z) }
        } else {
            pdfemu_dense_forward_f64(fi, fo, w + weightOffsets[l], b, x, z)
        }
    }

    /// out = Wᵀ·dz of layer `l`.
    @inline(__always)
    func backward(layer l: Int, fi: Int, fo: Int, w: UnsafePointer<Double>, dz: UnsafePointer<Double>, out: UnsafeMutablePointer<Double>) {
        let t = transposedOffsets[l]
        if t >= 0 {
            // Wᵀ stored (fi × fo): out = Wᵀ·dz as row dot products.
            if useFloat {
                transposedF.withUnsafeBufferPointer { pdfemu_dense_forward_f64_f32w(fo, fi, $0.baseAddress! + t, nil, dz, out) }
            } else {
                transposedD.withUnsafeBufferPointer { pdfemu_dense_forward_f64(fo, fi, $0.baseAddress! + t, nil, dz, out) }
            }
        } else if useFloat {
            weightsF.withUnsafeBufferPointer { pdfemu_dense_backward_f64_f32w(fi, fo, $0.baseAddress! + weightOffsets[l], dz, out) }
        } else {
            pdfemu_dense_backward_f64(fi, fo, w + weightOffsets[l], dz, out)
        }
    }
}

extension DenseNetwork {
    /// Forward pass at θ into `s` (scratch of `point.scratchCount`); returns pointers to each layer's z and
    /// σ'(z) (hidden layers) inside `s`.
    @inline(__always)
    func pointForward(_ theta: UnsafePointer<Double>, _ s: UnsafeMutablePointer<Double>,
                      _ w: UnsafePointer<Double>) -> (zLast: UnsafeMutablePointer<Double>, next: UnsafeMutablePointer<Double>) {
        let L = point.sizes.count - 1
        let p = point.sizes[0]
        var cursor = s
        let x = cursor; cursor += p
        inputMean.withUnsafeBufferPointer { m in
            inputTransform.withUnsafeBufferPointer { a in
                for i in 0..<p {
                    var v = 0.0
                    for j in 0..<p { v += a[i * p + j] * (theta[j] - m[j]) }
                    x[i] = v
                }
            }
        }
        var prev = UnsafePointer(x)
        var z = cursor
        for l in 0..<L {
            let fi = point.sizes[l], fo = point.sizes[l + 1]
            z = cursor; cursor += fo
            point.forward(layer: l, fi: fi, fo: fo, w: w, x: prev, z: z)
            if l < L - 1 {
                let a = cursor, d = cursor + fo
                cursor += 2 * fo
                if architecture.activation == .tanh {
                    pdfemu_tanh_f64(z, a, d, fo)
                } else {
                    let act = architecture.activation
                    for r in 0..<fo { a[r] = act.value(z[r]); d[r] = act.derivative(z[r]) }
                }
                prev = UnsafePointer(a)
            }
        }
        return (z, cursor)
    }

    /// Output `o` and its gradient with respect to θ (into `grad`), through the point kernels; no allocation.
    func pointValueAndGradient(_ theta: UnsafePointer<Double>, output o: Int, gradient grad: UnsafeMutablePointer<Double>) -> Double {
        let L = point.sizes.count - 1
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: point.scratchCount) { buf in
            let s = buf.baseAddress!
            return weights.withUnsafeBufferPointer { wb in
                let w = wb.baseAddress!
                let (zLast, free) = pointForward(theta, s, w)
                let y = architecture.headValue(o, z: zLast, parameters: w)
                let value = physical(o, y)
                // Gradient of g = outputScale·y; the log target transform multiplies it by e^{g/c}.
                let factor = TargetTransform(logScale: outputLogScale[o]).inverseDerivative(outputScale[o] * y)
                // Back-propagate from the output: dz of the (linear) output layer is outputScale[o]·∂y/∂z.
                let maxWidth = point.sizes.max()!
                let p = point.sizes[0]
                var dz = free, out = free + maxWidth
                architecture.headGradient(o, z: zLast, scale: outputScale[o], into: dz)
                for l in stride(from: L - 1, through: 0, by: -1) {
                    let fi = point.sizes[l], fo = point.sizes[l + 1]
                    point.backward(layer: l, fi: fi, fo: fo, w: w, dz: dz, out: out)
                    if l > 0 {
                        let d = s + point.derivativeOffsets[l - 1]
                        for k in 0..<fi { out[k] *= d[k] }
                    }
                    swap(&dz, &out)
                }
                // ∂/∂θ = Aᵀ ∂/∂x.
                inputTransform.withUnsafeBufferPointer { a in
                    for j in 0..<p { grad[j] = 0 }
                    for i in 0..<p { let di = dz[i] * factor; for j in 0..<p { grad[j] += a[i * p + j] * di } }
                }
                return value
            }
        }
    }

    /// All outputs (raw network outputs, before scaling) at θ through the point kernels, into `out`.
    func pointOutputs(_ theta: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: point.scratchCount) { buf in
            weights.withUnsafeBufferPointer { wb in
                let (zLast, _) = pointForward(theta, buf.baseAddress!, wb.baseAddress!)
                for k in 0..<architecture.outputs { out[k] = physical(k, architecture.headValue(k, z: zLast, parameters: wb.baseAddress!)) }
            }
        }
    }
}
