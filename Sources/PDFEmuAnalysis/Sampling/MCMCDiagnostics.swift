import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// Convergence diagnostics of Markov chains: integrated autocorrelation time (Sokal's automatic
/// window, as emcee) and split-R̂ (Gelman–Rubin on half-chains).
package enum MCMCDiagnostics {
    /// Normalised autocorrelation function ρ(t), t = 0..<n, of one series (FFT, O(n log n)).
    /// A constant series gives ρ = [1, 0, 0, …].
    package static func autocorrelation(_ x: [Double]) -> [Double] {
        let n = x.count
        guard n > 0 else { return [] }
        let mean = x.reduce(0, +) / Double(n)
        var size = 1
        while size < 2 * n { size <<= 1 }
        var re = [Double](repeating: 0, count: size), im = [Double](repeating: 0, count: size)
        for i in 0..<n { re[i] = x[i] - mean }
        fft(&re, &im, inverse: false)
        for i in 0..<size {
            re[i] = re[i] * re[i] + im[i] * im[i]
            im[i] = 0
        }
        fft(&re, &im, inverse: true)
        let c0 = re[0]
        guard c0 > 0 else {
            var r = [Double](repeating: 0, count: n); r[0] = 1; return r
        }
        return (0..<n).map { re[$0] / c0 }
    }

    /// Integrated autocorrelation time τ = 1 + 2 Σ_{t=1}^{M} ρ̄(t) of several chains of one quantity,
    /// with ρ̄ the autocorrelation averaged over chains and M the smallest window with M ≥ c·τ(M)
    /// (Sokal; emcee's `integrated_time`). Chains must have equal lengths ≥ 2. NaN if all are constant.
    package static func integratedTime(_ chains: [[Double]], window c: Double = 5) -> Double {
        guard let n = chains.first?.count, n >= 2 else { return .nan }
        var f = [Double](repeating: 0, count: n)
        var used = 0
        for chain in chains where chain.count == n {
            let v = chain.reduce(0, +) / Double(n)
            if chain.allSatisfy({ $0 == v }) { continue }
            let r = autocorrelation(chain)
            for t in 0..<n { f[t] += r[t] }
            used += 1
        }
        guard used > 0 else { return .nan }
        for t in 0..<n { f[t] /= Double(used) }
        var tau = 1.0
        for m in 1..<n {
            tau += 2 * f[m]
            if Double(m) >= c * tau { return max(tau, 1e-300) }
        }
        return tau
    }

    /// Split-R̂: each chain is cut in half and the Gelman–Rubin potential scale reduction is computed
    /// over the 2·chains half-chains. Near 1 when the chains agree; NaN if chains are shorter than 4.
    package static func splitRHat(_ chains: [[Double]]) -> Double {
        guard let n0 = chains.first?.count, n0 >= 4 else { return .nan }
        let half = n0 / 2
        var parts: [ArraySlice<Double>] = []
        for c in chains where c.count == n0 {
            parts.append(c[0..<half])
            parts.append(c[(n0 - half)..<n0])
        }
        let m = Double(parts.count), n = Double(half)
        guard parts.count >= 2 else { return .nan }
        let means = parts.map { $0.reduce(0, +) / n }
        let grand = means.reduce(0, +) / m
        let b = n / (m - 1) * means.reduce(0) { $0 + ($1 - grand) * ($1 - grand) }
        var w = 0.0
        for (k, part) in parts.enumerated() {
            let mu = means[k]
            w += part.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / (n - 1)
        }
        w /= m
        guard w > 0 else { return b > 0 ? .infinity : 1 }
        let varPlus = (n - 1) / n * w + b / n
        return (varPlus / w).squareRoot()
    }

    /// In-place iterative radix-2 FFT (length a power of two). The inverse is scaled by 1/n.
    static func fft(_ re: inout [Double], _ im: inout [Double], inverse: Bool) {
        let n = re.count
        guard n > 1 else { return }
        var j = 0
        for i in 1..<n {
            var bit = n >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j |= bit
            if i < j { re.swapAt(i, j); im.swapAt(i, j) }
        }
        re.withUnsafeMutableBufferPointer { r in
            im.withUnsafeMutableBufferPointer { q in
                var len = 2
                while len <= n {
                    let ang = (inverse ? 2 : -2) * Double.pi / Double(len)
                    let wr = cos(ang), wi = sin(ang)
                    var start = 0
                    while start < n {
                        var cr = 1.0, ci = 0.0
                        for k in 0..<(len / 2) {
                            let a = start + k, b = a + len / 2
                            let tr = r[b] * cr - q[b] * ci
                            let ti = r[b] * ci + q[b] * cr
                            r[b] = r[a] - tr; q[b] = q[a] - ti
                            r[a] += tr; q[a] += ti
                            let ncr = cr * wr - ci * wi
                            ci = cr * wi + ci * wr
                            cr = ncr
                        }
                        start += len
                    }
                    len <<= 1
                }
                if inverse {
                    let s = 1 / Double(n)
                    for i in 0..<n { r[i] *= s; q[i] *= s }
                }
            }
        }
    }
}
