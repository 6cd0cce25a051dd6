// An external χ² program for pdfemu's oracle protocol (docs/ORACLE.md), written against the PDFEmu library:
//
//   pdfemu chi2 --oracle 'Examples/.build/debug/AnalyticOracle {input} {output}' --input POINTS.h5 --output SCAN.h5
//
// It reads /parameters [N,P] and /parameter_names from INPUT and writes /chi2 [N], /chi2_per_experiment [N,2]
// ("even", "odd") and /experiment_names to OUTPUT. The χ² is a correlated quadratic around a centre c:
//   χ²_even = Σ_{j even} ((x_j − c_j)/s_j)²,  χ²_odd = Σ_{j odd} ((x_j − c_j)/s_j − ρ·(x_{j−1} − c_{j−1})/s_{j−1})² / (1 − ρ²)
// with c_j = 0.1·j, s_j = 1 + 0.1·j, ρ = 0.5, and χ² = 1000 + χ²_even + χ²_odd. Points with |x_j| > 1e3
// are reported as undefined (NaN, with a reason). Exit status 0 on success, 1 with one line on stderr otherwise.
import Foundation
import PDFEmu

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 2, let input = arguments.first, let output = arguments.last else {
    FileHandle.standardError.write(Data("usage: AnalyticOracle INPUT.h5 OUTPUT.h5\n".utf8))
    exit(2)
}
do {
    let points = try OracleFiles.readInput(input)
    let rho = 0.5
    var chi2: [Double] = [], perExperiment: [Double] = [], reasons: [String?] = []
    for i in 0..<points.count {
        let x = points.point(i)
        if let j = x.indices.first(where: { abs(x[$0]) > 1e3 }) {
            chi2.append(.nan); perExperiment += [.nan, .nan]
            reasons.append("\(points.parameterNames[j]) = \(x[j]) is outside |x| ≤ 1000")
            continue
        }
        let z = x.indices.map { (x[$0] - 0.1 * Double($0)) / (1 + 0.1 * Double($0)) }
        var even = 0.0, odd = 0.0
        for j in z.indices {
            if j % 2 == 0 { even += z[j] * z[j] } else { let r = z[j] - rho * z[j - 1]; odd += r * r / (1 - rho * rho) }
        }
        chi2.append(1000 + even + odd); perExperiment += [even, odd]; reasons.append(nil)
    }
    let result = try OracleResult(chi2: chi2, experimentNames: ["even", "odd"], chi2PerExperiment: perExperiment, reasons: reasons)
    try OracleFiles.write(result, points: points, to: output, attributes: [("oracle_program", "Examples/AnalyticOracle")])
} catch {
    FileHandle.standardError.write(Data("AnalyticOracle: \(userMessage(error))\n".utf8))
    exit(1)
}
