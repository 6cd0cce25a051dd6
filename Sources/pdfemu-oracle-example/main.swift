// A small external χ² program speaking pdfemu's oracle protocol (docs/ORACLE.md), built with the main
// package so the tests can drive `CommandOracle` and `pdfemu chi2 --oracle` on any machine.
//
//   pdfemu-oracle-example [--mode MODE] [--log FILE] INPUT.h5 OUTPUT.h5
//
// --log FILE appends one line per point asked (its coordinates' bits in hex), so tests count evaluations.
//
// χ² = 100 + χ²_quad + χ²_valley with, for parameters x_0 … x_{P−1}:
//   χ²_quad   = Σ_j ((x_j − 0.1·(j+1)) / 0.5)²
//   χ²_valley = Σ_{j<P−1} 10·(x_{j+1} − x_j²)²          (a Rosenbrock valley)
// and per-experiment χ² [N, 2] ("quad", "valley"). A point with x_0 < −5 is undefined (NaN, with reason).
// MODE exercises the protocol's failure paths: ok (default), fail-above (exit 4 if any x_0 > 5),
// fail, crash, hang, no-output, wrong-shape, wrong-names, wrong-experiments.
import Foundation
import PDFEmu

func chi2Parts(_ x: [Double]) -> (quad: Double, valley: Double) {
    var quad = 0.0, valley = 0.0
    for j in x.indices {
        let u = (x[j] - 0.1 * Double(j + 1)) / 0.5
        quad += u * u
        if j + 1 < x.count { let r = x[j + 1] - x[j] * x[j]; valley += 10 * r * r }
    }
    return (quad, valley)
}

var args = Array(CommandLine.arguments.dropFirst())
var mode = "ok"
var log: String?
while args.count >= 2, ["--mode", "--log"].contains(args[0]) {
    if args[0] == "--mode" { mode = args[1] } else { log = args[1] }
    args.removeFirst(2)
}
guard args.count == 2 else {
    FileHandle.standardError.write(Data("usage: pdfemu-oracle-example [--mode MODE] [--log FILE] INPUT.h5 OUTPUT.h5\n".utf8))
    exit(2)
}
let (input, output) = (args[0], args[1])
do {
    let points = try OracleFiles.readInput(input)
    let n = points.count
    if let log {
        // One line per point evaluated: its coordinates' IEEE-754 bits in hex (appended, for counting calls).
        let lines = (0..<n).map { points.point($0).map { String($0.bitPattern, radix: 16) }.joined(separator: ",") + "\n" }.joined()
        guard let h = FileHandle(forWritingAtPath: log) ?? (FileManager.default.createFile(atPath: log, contents: nil) ? FileHandle(forWritingAtPath: log) : nil) else {
            FileHandle.standardError.write(Data("analytic oracle: cannot write \(log)\n".utf8)); exit(1)
        }
        h.seekToEndOfFile(); h.write(Data(lines.utf8)); try? h.synchronize(); h.closeFile()
    }
    switch mode {
    case "fail":
        FileHandle.standardError.write(Data("analytic oracle: licence server unreachable\n".utf8)); exit(4)
    case "fail-above" where (0..<n).contains { points.point($0)[0] > 5 }:
        FileHandle.standardError.write(Data("analytic oracle: x0 > 5 is outside the grid\n".utf8)); exit(4)
    case "crash": kill(getpid(), SIGKILL); sleep(600)  // killed by a signal, as an out-of-memory kill would
    case "hang": sleep(600)
    case "no-output": exit(0)
    default: break
    }
    var chi2: [Double] = [], perExp: [Double] = [], reasons: [String?] = []
    for i in 0..<n {
        let x = points.point(i)
        if x[0] < -5 {
            chi2.append(.nan); perExp += [.nan, .nan]; reasons.append("x0 = \(x[0]) < -5: outside the parametrisation")
            continue
        }
        let (q, v) = chi2Parts(x)
        chi2.append(100 + q + v); perExp += [q, v]; reasons.append(nil)
    }
    let result = try OracleResult(chi2: chi2, experimentNames: ["quad", "valley"], chi2PerExperiment: perExp, reasons: reasons)
    switch mode {
    case "wrong-shape":
        let f = try HDF5File(create: output)
        try f.write("/chi2", chi2 + [0], shape: [n + 1])
    case "wrong-names":
        var reversed = points
        reversed.parameterNames.reverse()
        try OracleFiles.write(result, points: reversed, to: output)
    case "wrong-experiments":
        let f = try HDF5File(create: output)
        try f.write("/chi2", chi2, shape: [n])
        try f.write("/chi2_per_experiment", perExp, shape: [n, 2])
        try f.writeStrings("/experiment_names", ["quad", "valley", "extra"])
    default:
        try OracleFiles.write(result, points: points, to: output)
    }
} catch {
    FileHandle.standardError.write(Data("analytic oracle: \(userMessage(error))\n".utf8))
    exit(1)
}
