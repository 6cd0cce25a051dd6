import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// A proposal fitted to posterior draws: a mixture of Student-t distributions (ν degrees of freedom) —
/// one on all the draws' mean and covariance scaled by `scale`² (weight `globalWeight`), one per k-means
/// cluster of the draws (their means and covariances scaled by `scale`², weights `clusterWeight` ×
/// the clusters' shares of the draws), and one on all the draws with covariance scaled by `wideScale`²
/// (the rest of the weight, a defensive component covering where the draws are too few). Normalised on
/// ℝ^d; sampled exactly.
struct PosteriorProposal: Sendable {
    /// The mixture (its `modes` are the components; their `laplaceLogZ` hold log weights).
    let mixture: ReferenceMixture
    /// Components from clusters (besides the global and the wide one).
    let clusters: Int

    /// Scale of the global and the cluster components, of the wide one, and weights of the global
    /// component and of all the cluster components together.
    static let scale = 1.2, wideScale = 2.0, globalWeight = 0.5, clusterWeight = 0.4

    /// The proposal for draws [n × d] row-major (n ≥ d + 2): min(`maxClusters`, n/(`perCluster`·d))
    /// k-means clusters (in coordinates whitened by the draws' covariance), each kept only if it holds at
    /// least 5·d draws. Nil when the draws' covariance is singular.
    static func fit(draws x: [Double], dimension d: Int, box: PriorBox, nu: Int, maxClusters: Int = 4, perCluster: Int = 5,
                    seed: UInt64) -> PosteriorProposal? {
        let n = x.count / d
        guard n >= d + 2 else { return nil }
        guard let global = moments(x, rows: Array(0..<n), d: d) else { return nil }
        var components: [(mean: [Double], chol: [Double], weight: Double)] = [(global.mean, global.chol.map { $0 * scale }, globalWeight)]
        // k-means in whitened coordinates y = L⁻¹(x − mean).
        var y = [Double](repeating: 0, count: n * d)
        for i in 0..<n {
            for a in 0..<d {
                var v = x[i * d + a] - global.mean[a]
                for b in 0..<a { v -= global.chol[a * d + b] * y[i * d + b] }
                y[i * d + a] = v / global.chol[a * d + a]
            }
        }
        let k = max(1, min(maxClusters, n / (perCluster * d)))
        let labels = kMeans(y, n: n, d: d, k: k, seed: seed)
        var kept: [(mean: [Double], chol: [Double], weight: Double)] = []
        for c in 0..<k {
            let rows = (0..<n).filter { labels[$0] == c }
            guard rows.count >= 5 * d, let m = moments(x, rows: rows, d: d) else { continue }
            kept.append((m.mean, m.chol.map { $0 * scale }, Double(rows.count)))
        }
        let keptTotal = kept.reduce(0) { $0 + $1.weight }
        for c in kept { components.append((c.mean, c.chol, clusterWeight * c.weight / keptTotal)) }
        if kept.isEmpty { components[0].weight += clusterWeight }
        components.append((global.mean, global.chol.map { $0 * wideScale }, 1 - globalWeight - clusterWeight))
        let modes = components.map { c -> EvidenceMode in
            let logDet = 2 * (0..<d).reduce(0.0) { $0 + log(c.chol[$1 * d + $1]) }
            return EvidenceMode(centre: c.mean, chi2: .nan, cholesky: c.chol, logDetCovariance: logDet, laplaceLogZ: log(c.weight))
        }
        return PosteriorProposal(mixture: ReferenceMixture(modes: modes, nu: nu, defensive: 0, box: box), clusters: kept.count)
    }

    /// Mean and lower Cholesky factor of the covariance of the given rows (nil if singular).
    static func moments(_ x: [Double], rows: [Int], d: Int) -> (mean: [Double], chol: [Double])? {
        let n = Double(rows.count)
        var mean = [Double](repeating: 0, count: d)
        for i in rows { for a in 0..<d { mean[a] += x[i * d + a] } }
        for a in 0..<d { mean[a] /= n }
        var cov = [Double](repeating: 0, count: d * d)
        for i in rows {
            for a in 0..<d {
                let da = x[i * d + a] - mean[a]
                for b in 0...a { cov[a * d + b] += da * (x[i * d + b] - mean[b]) }
            }
        }
        for a in 0..<d { for b in 0...a { cov[a * d + b] /= max(n - 1, 1); cov[b * d + a] = cov[a * d + b] } }
        guard let l = try? BLAS.cholesky(cov, n: d), (0..<d).allSatisfy({ l[$0 * d + $0] > 0 }) else { return nil }
        return (mean, l)
    }

    /// Labels 0..<k of rows [n × d] by k-means (k-means++ starts, at most 50 Lloyd iterations).
    static func kMeans(_ y: [Double], n: Int, d: Int, k: Int, seed: UInt64) -> [Int] {
        var rng = SeededGenerator(seed: seed)
        func dist2(_ i: Int, _ c: [Double]) -> Double {
            var s = 0.0
            for a in 0..<d { let t = y[i * d + a] - c[a]; s += t * t }
            return s
        }
        var centres: [[Double]] = [Array(y[0..<d])]
        let first = min(n - 1, Int(rng.nextUniform() * Double(n)))
        centres[0] = Array(y[(first * d)..<((first + 1) * d)])
        while centres.count < k {
            let w = (0..<n).map { i in centres.map { dist2(i, $0) }.min()! }
            let total = w.reduce(0, +)
            guard total > 0 else { break }
            var u = rng.nextUniform() * total, j = 0
            while j < n - 1 && u > w[j] { u -= w[j]; j += 1 }
            centres.append(Array(y[(j * d)..<((j + 1) * d)]))
        }
        var labels = [Int](repeating: 0, count: n)
        for _ in 0..<50 {
            var changed = false
            for i in 0..<n {
                var best = 0, bd = Double.infinity
                for (c, centre) in centres.enumerated() { let t = dist2(i, centre); if t < bd { bd = t; best = c } }
                if labels[i] != best { labels[i] = best; changed = true }
            }
            var sums = [[Double]](repeating: [Double](repeating: 0, count: d), count: centres.count)
            var counts = [Int](repeating: 0, count: centres.count)
            for i in 0..<n { counts[labels[i]] += 1; for a in 0..<d { sums[labels[i]][a] += y[i * d + a] } }
            for c in centres.indices where counts[c] > 0 { centres[c] = sums[c].map { $0 / Double(counts[c]) } }
            if !changed { break }
        }
        return labels
    }

    /// `count` independent draws [count × d] row-major and log q at each.
    func draw(_ count: Int, seed: UInt64) -> (theta: [Double], logQ: [Double]) {
        let chunks = 16, per = (count + chunks - 1) / chunks
        let parts = Parallel.map(chunks) { c -> (theta: [Double], logQ: [Double]) in
            var rng = SeededGenerator(seed: seed &+ 0x2545_F491_4F6C_DD1D &* UInt64(c + 1))
            var theta: [Double] = [], logQ: [Double] = []
            for _ in 0..<max(0, min(per, count - c * per)) {
                let t = mixture.sample(&rng).theta
                theta += t
                logQ.append(mixture.logDensity(t))
            }
            return (theta, logQ)
        }
        return (parts.flatMap(\.theta), parts.flatMap(\.logQ))
    }
}

/// log Z by importance sampling from a `PosteriorProposal` fitted to posterior draws (SMC's final particles):
/// log Z = log mean[π(θ)·exp(−χ²(θ)/(2T²))/q(θ)] over independent draws θ ~ q. The draws are independent of
/// the ones q was fitted on, so the estimate of Z is unbiased and its error, sd(w)/(mean(w)·√M), is a
/// standard error; a second method beside SMC, whose errors come from the spread of its runs.
enum PosteriorImportance {
    /// The estimate (method "posterior importance"), or nil when no proposal can be fitted.
    static func estimate(model: any ScalarModel, box: PriorBox, draws: [Double], temperature2 t2: Double, samples: Int, nu: Int,
                         seed: UInt64) -> (estimate: EvidenceEstimate, clusters: Int)? {
        let d = box.lower.count
        guard let q = PosteriorProposal.fit(draws: draws, dimension: d, box: box, nu: nu, seed: seed) else { return nil }
        let (theta, logQ) = q.draw(samples, seed: seed &+ 1)
        let lw = logWeights(model: model, box: box, theta: theta, logQ: logQ, temperature2: t2).logWeights
        return (EvidenceEstimate.from(logWeights: lw, method: "posterior importance", evaluations: samples), q.clusters)
    }

    /// log[π·exp(−χ²/(2T²))/q] at rows `theta` (−∞ outside the box or where χ² is undefined), and the χ²
    /// (NaN outside the box: not evaluated).
    static func logWeights(model: any ScalarModel, box: PriorBox, theta: [Double], logQ: [Double],
                           temperature2 t2: Double) -> (logWeights: [Double], chi2: [Double]) {
        let d = box.lower.count, m = logQ.count
        var inside: [Int] = []
        for i in 0..<m where box.contains(Array(theta[(i * d)..<((i + 1) * d)])) { inside.append(i) }
        var rows = [Double](repeating: 0, count: inside.count * d)
        for (r, i) in inside.enumerated() { for a in 0..<d { rows[r * d + a] = theta[i * d + a] } }
        let values = inside.isEmpty ? [] : model.predictBatch(rows, perExperiment: false).value
        var chi2 = [Double](repeating: .nan, count: m)
        var lw = [Double](repeating: -.infinity, count: m)
        for (r, i) in inside.enumerated() {
            chi2[i] = values[r]
            if values[r].isFinite { lw[i] = -box.logVolume - values[r] / (2 * t2) - logQ[i] }
        }
        return (lw, chi2)
    }
}
