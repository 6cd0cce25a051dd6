import PDFEmuCore
import PDFEmuIO
/// The region of parameter space the training points cover, for judging whether a point is inside it.
/// Beyond the per-parameter box, points are compared in whitened coordinates (z = L⁻¹(θ − centre),
/// LLᵀ the covariance of the training points): the distance to the nearest of a stored subsample of
/// training points, against a threshold calibrated on held-out training points (their 99th percentile),
/// (twice their 99th percentile), so that a gap between valleys or a corner of the box counts as outside.
package struct TrainingDomain: Sendable, Codable, Equatable {
    /// Per-parameter minimum of the training points.
    package var lower: [Double]
    /// Per-parameter maximum of the training points.
    package var upper: [Double]
    /// Centre of the whitening (the best training point).
    package var center: [Double]
    /// L⁻¹ (P×P row-major), with LLᵀ the training points' covariance.
    package var whitening: [Double]
    /// Stored training points in whitened coordinates (M×P row-major).
    package var reference: [Double]
    /// Nearest-neighbour distance threshold (whitened units).
    package var threshold: Double
    /// Largest whitened radius among the training points.
    package var maxRadius: Double

    /// Builds the domain of the rows `rows` of `scan`, centred on `center`.
    package static func build(scan: ScanData, rows: [Int], center: [Double], referenceCount: Int = 4000,
                             seed: UInt64 = 7) throws -> TrainingDomain {
        let p = scan.parameterCount
        var lo = [Double](repeating: .infinity, count: p), hi = [Double](repeating: -.infinity, count: p)
        for i in rows {
            for j in 0..<p {
                let v = scan.parameters[i * p + j]
                lo[j] = min(lo[j], v); hi[j] = max(hi[j], v)
            }
        }
        var cov = scan.meanAndCovariance(rows: rows).covariance
        for a in 0..<p where cov[a * p + a] <= 0 { cov[a * p + a] = 1e-300 }
        guard let L = try BLAS.cholesky(cov, n: p) else {
            throw PDFEmuError(.step("training domain"), "training points are degenerate (their covariance is singular): cannot build the domain")
        }
        let Linv = lowerTriangularInverse(L, n: p)
        var d = TrainingDomain(lower: lo, upper: hi, center: center, whitening: Linv, reference: [], threshold: 0, maxRadius: 0)
        var order = rows
        var rng = SeededGenerator(seed: seed)
        rng.shuffle(&order)
        let m = min(referenceCount, max(1, order.count * 3 / 4))
        let refRows = order.prefix(m)
        let heldOut = order.dropFirst(m).prefix(1000)
        var ref: [Double] = []
        ref.reserveCapacity(m * p)
        for i in refRows { ref += d.whiten(scan.point(i)) }
        d.reference = ref
        var radius = 0.0
        for i in rows { radius = max(radius, norm(d.whiten(scan.point(i)))) }
        d.maxRadius = radius
        let dists = heldOut.map { d.nearestDistance(d.whiten(scan.point($0))) }.sorted()
        // Twice the 99th percentile of held-out training points' distances: profile ends in the sparse
        // outskirts of the sample stay inside; other valleys (ratios of 3 to 60 on the HERA scan) do not.
        d.threshold = dists.isEmpty ? .infinity : 2 * Stats.quantileSorted(dists, 0.99)
        return d
    }

    /// z = L⁻¹(θ − centre).
    package func whiten(_ theta: [Double]) -> [Double] {
        let p = center.count
        var z = [Double](repeating: 0, count: p)
        for r in 0..<p {
            var s = 0.0
            for c in 0...r { s += whitening[r * p + c] * (theta[c] - center[c]) }
            z[r] = s
        }
        return z
    }

    /// Distance from whitened z to the nearest reference point.
    func nearestDistance(_ z: [Double]) -> Double {
        let p = center.count, m = reference.count / max(1, p)
        var best = Double.infinity
        reference.withUnsafeBufferPointer { R in
            for i in 0..<m {
                var s = 0.0
                let base = i * p
                for j in 0..<p { let d = R[base + j] - z[j]; s += d * d; if s >= best { break } }
                if s < best { best = s }
            }
        }
        return best.squareRoot()
    }

    /// Whether θ is inside the training region.
    package func check(_ theta: [Double]) -> DomainCheck {
        var inBox = true
        for j in theta.indices where theta[j] < lower[j] || theta[j] > upper[j] { inBox = false; break }
        let z = whiten(theta)
        let nd = nearestDistance(z) / threshold
        return DomainCheck(inside: inBox && nd <= 1, inBox: inBox, neighbourDistance: nd, radius: norm(z),
                           maxTrainingRadius: maxRadius)
    }
}

@inline(__always) func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
