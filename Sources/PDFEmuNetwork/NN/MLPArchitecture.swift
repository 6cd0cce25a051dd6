import Foundation
import PDFEmuCore
import PDFEmuIO
/// How the model's output 0 (the target) is made from the network's last layer z.
package enum OutputStructure: String, Sendable, Codable, CaseIterable {
    /// y₀ = z₀: the network's first output is the (scaled, transformed) target.
    case direct
    /// y₀ = Σ_{k<M} z_k² − s, s = softplus(σ) ≥ 0 with σ a learned parameter: non-negative above −s by
    /// construction, exactly quadratic where z is linear; the experiments' outputs follow as z_M….
    case sumOfSquares = "sum_of_squares"
}

/// The shape of a multilayer perceptron: inputs → hidden layers (activation) → linear layer z → the
/// model's outputs y (`outputStructure`: y = z, or a sum of squares for the target).
/// Parameters live in one flat buffer; each tensor has a dotted name ("layers.1.weight") used the
/// same way in memory, in optimizer state and in saved files.
package struct MLPArchitecture: Sendable, Codable, Equatable {
    /// Number of inputs (parameters P).
    package var inputs: Int
    /// Widths of the hidden layers.
    package var hidden: [Int]
    /// Number of model outputs (the target, then the experiments); the last layer has `networkOutputs`.
    package var outputs: Int
    /// Activation of the hidden layers.
    package var activation: Activation
    /// How the target is made from the last layer.
    package var outputStructure: OutputStructure
    /// Last-layer units that make the target: M for `sumOfSquares`, 1 for `direct`.
    package var components: Int

    /// Creates an architecture (`components`: M of a sum of squares; ignored, 1, for `direct`).
    package init(inputs: Int, hidden: [Int], outputs: Int, activation: Activation,
                outputStructure: OutputStructure = .direct, components: Int = 1) {
        self.inputs = inputs
        self.hidden = hidden
        self.outputs = outputs
        self.activation = activation
        self.outputStructure = outputStructure
        self.components = outputStructure == .direct ? 1 : components
    }

    /// Width of the last (linear) layer: the target's components, then one unit per experiment.
    package var networkOutputs: Int { components + outputs - 1 }

    /// Index of the sum of squares' offset parameter σ in the flat buffer (the last one), or nil for `direct`.
    package var offsetIndex: Int? { outputStructure == .sumOfSquares ? parameterCount - 1 : nil }

    /// Last-layer unit of model output o ≥ 1 (an experiment).
    @inline(__always) package func unit(ofOutput o: Int) -> Int { components - 1 + o }

    /// (fan-in, fan-out) of each dense layer, input to output.
    package var layers: [(fanIn: Int, fanOut: Int)] {
        let sizes = [inputs] + hidden + [networkOutputs]
        return (0..<(sizes.count - 1)).map { (sizes[$0], sizes[$0 + 1]) }
    }

    /// One named tensor in the flat parameter buffer.
    package struct Tensor: Sendable, Equatable {
        /// Dotted name, e.g. "layers.0.weight" ([fanOut, fanIn], row-major) or "layers.0.bias" ([fanOut]).
        package var name: String
        /// Shape.
        package var shape: [Int]
        /// Offset of the first element in the flat buffer.
        package var offset: Int
        /// Number of elements.
        package var count: Int { shape.reduce(1, *) }
    }

    /// All tensors in buffer order: for each layer, its weight then its bias.
    package var tensors: [Tensor] {
        var out: [Tensor] = []
        var off = 0
        for (i, l) in layers.enumerated() {
            out.append(Tensor(name: "layers.\(i).weight", shape: [l.fanOut, l.fanIn], offset: off))
            off += l.fanIn * l.fanOut
            out.append(Tensor(name: "layers.\(i).bias", shape: [l.fanOut], offset: off))
            off += l.fanOut
        }
        if outputStructure == .sumOfSquares { out.append(Tensor(name: "head.offset", shape: [1], offset: off)) }
        return out
    }

    /// Total number of parameters.
    package var parameterCount: Int {
        layers.reduce(0) { $0 + $1.fanIn * $1.fanOut + $1.fanOut } + (outputStructure == .sumOfSquares ? 1 : 0)
    }

    /// Floating-point operations per training sample of the dense layers: the forward GEMMs (Σ fanIn·fanOut
    /// multiply-adds), the weight-gradient GEMMs (the same) and the input-gradient GEMMs of every layer but
    /// the first; 2 FLOP per multiply-add.
    package var trainingFlopsPerSample: Double {
        let s = layers.reduce(0) { $0 + $1.fanIn * $1.fanOut }
        let first = layers[0].fanIn * layers[0].fanOut
        return 2 * Double(3 * s - first)
    }

    /// σ of a fresh sum of squares: s = softplus(−4) ≈ 0.018 in scaled units.
    static let initialOffset = -4.0

    /// Offsets of layer i's weight and bias.
    func offsets(_ i: Int) -> (weight: Int, bias: Int) {
        var off = 0
        for (j, l) in layers.enumerated() {
            if j == i { return (off, off + l.fanIn * l.fanOut) }
            off += l.fanIn * l.fanOut + l.fanOut
        }
        fatalError("layer \(i) out of range")
    }

    /// Weight initialisation schemes.
    package enum Initialisation: String, Sendable, Codable, CaseIterable {
        /// Glorot/Xavier uniform: U(±sqrt(6/(fanIn+fanOut))).
        case glorot
        /// He/Kaiming normal: N(0, 2/fanIn).
        case he
    }

    /// Fresh parameters: weights by `scheme`, biases zero.
    package func initialParameters<T: NNScalar>(_ scheme: Initialisation, rng: inout SeededGenerator, as: T.Type = T.self) -> [T] {
        var p = [T](repeating: 0, count: parameterCount)
        for (i, l) in layers.enumerated() {
            let (w, _) = offsets(i)
            for k in 0..<(l.fanIn * l.fanOut) {
                switch scheme {
                case .glorot:
                    let lim = (6.0 / Double(l.fanIn + l.fanOut)).squareRoot()
                    p[w + k] = T(rng.nextUniform(in: -lim, lim))
                case .he:
                    p[w + k] = T(rng.nextGaussian() * (2.0 / Double(l.fanIn)).squareRoot())
                }
            }
        }
        if let i = offsetIndex { p[i] = T(Self.initialOffset) }
        return p
    }
}

extension MLPArchitecture {
    /// Model output o (before the output scalers) from the last layer z and the parameters w.
    @inline(__always)
    func headValue<T: BinaryFloatingPoint>(_ o: Int, z: UnsafePointer<T>, parameters w: UnsafePointer<T>) -> T {
        guard outputStructure == .sumOfSquares else { return z[o] }
        if o > 0 { return z[unit(ofOutput: o)] }
        var s: T = 0
        for k in 0..<components { s += z[k] * z[k] }
        return s - T(softplus(Double(w[parameterCount - 1])))
    }

    /// ∂y_o/∂z times `scale` into `dz` (all `networkOutputs` entries written).
    @inline(__always)
    func headGradient<T: BinaryFloatingPoint>(_ o: Int, z: UnsafePointer<T>, scale: T, into dz: UnsafeMutablePointer<T>) {
        for r in 0..<networkOutputs { dz[r] = 0 }
        if outputStructure == .direct { dz[o] = scale; return }
        if o > 0 { dz[unit(ofOutput: o)] = scale; return }
        for k in 0..<components { dz[k] = 2 * scale * z[k] }
    }
}

/// log(1 + eˣ) without overflow.
@inline(__always) func softplus(_ x: Double) -> Double { x > 30 ? x : Foundation.log1p(Foundation.exp(x)) }
/// The logistic function, d softplus/dx.
@inline(__always) func logistic(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
