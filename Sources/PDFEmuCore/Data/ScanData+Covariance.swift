extension ScanData {
    /// Mean and sample covariance (P×P row-major, divided by n − 1) of the parameters of `rows`.
    package func meanAndCovariance(rows: [Int]) -> (mean: [Double], covariance: [Double]) {
        let p = parameterCount
        var mean = [Double](repeating: 0, count: p)
        for i in rows { for j in 0..<p { mean[j] += parameters[i * p + j] } }
        for j in 0..<p { mean[j] /= Double(max(1, rows.count)) }
        let x = Matrix(rows: count, columns: p, values: parameters)
        var cov = Matrix(rows: p, columns: p)
        for i in rows {
            for a in 0..<p {
                let da = x[i, a] - mean[a]
                for b in 0...a { cov[a, b] += da * (x[i, b] - mean[b]) }
            }
        }
        for a in 0..<p { for b in 0...a { cov[a, b] /= Double(max(1, rows.count - 1)); cov[b, a] = cov[a, b] } }
        return (mean, cov.values)
    }
}
