/// The shape of a multilayer perceptron: inputs → hidden layers (activation) → linear outputs.
/// Parameters live in one flat buffer; each tensor has a dotted name ("layers.1.weight") used the
/// same way in memory, in optimizer state and in saved files.
public struct MLPArchitecture: Sendable, Codable, Equatable {
    /// Number of inputs (parameters P).
    public var inputs: Int
    /// Widths of the hidden layers.
    public var hidden: [Int]
    /// Number of outputs.
    public var outputs: Int
    /// Activation of the hidden layers.
    public var activation: Activation

    /// Creates an architecture.
    public init(inputs: Int, hidden: [Int], outputs: Int, activation: Activation) {
        self.inputs = inputs
        self.hidden = hidden
        self.outputs = outputs
        self.activation = activation
    }

    /// (fan-in, fan-out) of each dense layer, input to output.
    public var layers: [(fanIn: Int, fanOut: Int)] {
        let sizes = [inputs] + hidden + [outputs]
        return (0..<(sizes.count - 1)).map { (sizes[$0], sizes[$0 + 1]) }
    }

    /// One named tensor in the flat parameter buffer.
    public struct Tensor: Sendable, Equatable {
        /// Dotted name, e.g. "layers.0.weight" ([fanOut, fanIn], row-major) or "layers.0.bias" ([fanOut]).
        public var name: String
        /// Shape.
        public var shape: [Int]
        /// Offset of the first element in the flat buffer.
        public var offset: Int
        /// Number of elements.
        public var count: Int { shape.reduce(1, *) }
    }

    /// All tensors in buffer order: for each layer, its weight then its bias.
    public var tensors: [Tensor] {
        var out: [Tensor] = []
        var off = 0
        for (i, l) in layers.enumerated() {
            out.append(Tensor(name: "layers.\(i).weight", shape: [l.fanOut, l.fanIn], offset: off))
            off += l.fanIn * l.fanOut
            out.append(Tensor(name: "layers.\(i).bias", shape: [l.fanOut], offset: off))
            off += l.fanOut
        }
        return out
    }

    /// Total number of parameters.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.fanIn * $1.fanOut + $1.fanOut } }

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
    public enum Initialisation: String, Sendable, Codable, CaseIterable {
        /// Glorot/Xavier uniform: U(±sqrt(6/(fanIn+fanOut))).
        case glorot
        /// He/Kaiming normal: N(0, 2/fanIn).
        case he
    }

    /// Fresh parameters: weights by `scheme`, biases zero.
    public func initialParameters<T: NNScalar>(_ scheme: Initialisation, rng: inout SeededGenerator, as: T.Type = T.self) -> [T] {
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
        return p
    }
}
