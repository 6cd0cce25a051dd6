extension ScanData {
    /// Mean and sample covariance (P×P row-major, divided by n − 1) of the parameters of `rows`.
    public func meanAndCovariance(rows: [Int]) -> (mean: [Double], covariance: [Double]) {
        let p = parameterCount
        var mean = [Double](repeating: 0, count: p)
        for i in rows { for j in 0..<p { mean[j] += parameters[i * p + j] } }
        for j in 0..<p { mean[j] /= Double(max(1, rows.count)) }
        var cov = [Double](repeating: 0, count: p * p)
        for i in rows {
            for a in 0..<p {
                let da = parameters[i * p + a] - mean[a]
                for b in 0...a { cov[a * p + b] += da * (parameters[i * p + b] - mean[b]) }
            }
        }
        for a in 0..<p { for b in 0...a { cov[a * p + b] /= Double(max(1, rows.count - 1)); cov[b * p + a] = cov[a * p + b] } }
        return (mean, cov)
    }
}
