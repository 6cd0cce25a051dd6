import CKernels
import PDFEmuCore
import PDFEmuIO

/// The optimiser's own hyperparameters (the `training` keys of the config that it reads).
package struct OptimizerSettings: Sendable, Codable, Equatable {
    /// Which update rule.
    package var kind: OptimizerKind
    /// SGD momentum.
    package var momentum: Double
    /// Nesterov momentum for SGD.
    package var nesterov: Bool
    /// Adam β₁.
    package var beta1: Double
    /// Adam β₂.
    package var beta2: Double
    /// Adam ε.
    package var epsilon: Double
    /// Weight decay (decoupled for AdamW, L2 for SGD/Adam).
    package var weightDecay: Double
    /// Creates settings.
    package init(kind: OptimizerKind, momentum: Double, nesterov: Bool, beta1: Double, beta2: Double, epsilon: Double,
                weightDecay: Double) {
        self.kind = kind; self.momentum = momentum; self.nesterov = nesterov
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.weightDecay = weightDecay
    }
}

/// SGD-family optimisers over a flat parameter buffer. State (moments) has the same layout as the
/// parameters, so it is saved under the same dotted names.
package struct Optimizer<T: NNScalar>: Sendable {
    /// Which update rule.
    package let kind: OptimizerKind
    /// Hyper-parameters.
    package let momentum: T, nesterov: Bool, beta1: T, beta2: T, epsilon: T, weightDecay: T
    /// First moment (or SGD velocity).
    package var m: [T]
    /// Second moment (Adam).
    package var v: [T]
    /// Steps taken.
    package var step: Int

    /// Creates an optimiser for `count` parameters.
    package init(_ settings: OptimizerSettings, count: Int) {
        kind = settings.kind
        momentum = T(settings.momentum)
        nesterov = settings.nesterov
        beta1 = T(settings.beta1)
        beta2 = T(settings.beta2)
        epsilon = T(settings.epsilon)
        weightDecay = T(settings.weightDecay)
        m = [T](repeating: 0, count: count)
        v = kind == .sgd ? [] : [T](repeating: 0, count: count)
        step = 0
    }

    /// Applies one update with learning rate `lr` to `p` given gradient `g` (g may be modified).
    package mutating func update(_ p: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, count: Int, lr: Double) {
        step += 1
        let rate = T(lr)
        switch kind {
        case .sgd:
            let mu = momentum, wd = weightDecay, nest = nesterov
            m.withUnsafeMutableBufferPointer { mb in
                for i in 0..<count {
                    let gi = g[i] + wd * p[i]
                    mb[i] = mu * mb[i] + gi
                    p[i] -= rate * (nest ? gi + mu * mb[i] : mb[i])
                }
            }
        case .adam, .adamw:
            let b1 = beta1, b2 = beta2, eps = epsilon
            let c1 = T(1 - Foundation_pow(Double(b1), Double(step)))
            let c2 = T(1 - Foundation_pow(Double(b2), Double(step)))
            let stepSize = rate / c1
            let c2s = T(Double(c2).squareRoot())
            let decoupled = kind == .adamw
            let wd = weightDecay
            if T.self == Float.self {
                m.withUnsafeMutableBufferPointer { mb in
                    v.withUnsafeMutableBufferPointer { vb in
                        func f(_ x: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> { UnsafeMutableRawPointer(x).assumingMemoryBound(to: Float.self) }
                        pdfemu_adam_f32(f(p), f(g), f(mb.baseAddress!), f(vb.baseAddress!), count, Float(rate), Float(b1), Float(b2),
                                        Float(eps), Float(stepSize), Float(c2s), Float(wd), decoupled ? 1 : 0)
                    }
                }
                return
            }
            m.withUnsafeMutableBufferPointer { mb in
                v.withUnsafeMutableBufferPointer { vb in
                    for i in 0..<count {
                        var gi = g[i]
                        if decoupled { p[i] -= rate * wd * p[i] } else { gi += wd * p[i] }
                        mb[i] = b1 * mb[i] + (1 - b1) * gi
                        vb[i] = b2 * vb[i] + (1 - b2) * gi * gi
                        p[i] -= stepSize * mb[i] / ((vb[i]).squareRoot() / c2s + eps)
                    }
                }
            }
        }
    }
}
