import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

/// Issue 8, fuzzing: mutated scan files, emulator files and configs (truncation, byte flips in the HDF5
/// structure and in data blocks, attribute changes, shape changes) run through the built CLI. Every run
/// either succeeds or exits 1…125 with exactly one stderr line (never a signal), and a failed run
/// never leaves its output file. PDFEMU_FUZZ_CASES (default 240) and PDFEMU_FUZZ_SEED (default 1) set
/// the size and the seed; `make fuzz` runs a longer campaign.
final class CLIFuzzTests: XCTestCase {
    /// Runs pdfemu with a time limit (a hang is a failure too).
    func run(_ args: [String]) throws -> PDFEmuExecutable.Run { try PDFEmuExecutable.run(args, timeout: 30) }

    /// The valid inputs every case starts from.
    struct Seeds {
        let dir: TempDir
        let scan: Data, emulator: Data, points: String
        func config(scan: String) -> String {
            """
            {"data": {"files": ["\(scan)"]},
             "network": {"hidden": [4], "activation": "tanh", "members": 1},
             "training": {"epochs": 2, "batch_size": 64, "learning_rate": 0.003, "max_minutes": 0.02, "threads": 1},
             "split": {"train": 0.8, "validation": 0.1, "test": 0.1},
             "loss": {"weighting": "inverse"},
             "seed": 3,
             "output": "\(dir.file("from-config.h5"))"}
            """
        }
    }

    func makeSeeds() throws -> Seeds {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 200)
        let text = SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: 2, members: 2, hidden: "[8]")
        _ = try FitRunner.run(config: try FitConfig.read(SyntheticScan.writeConfig(dir, text)), options: FitOptions(output: dir.file("emu.h5")))
        do {
            let f = try HDF5File(create: dir.file("pts.h5"))
            try f.write("/parameters", [0.5, -0.2, 0.1, 0.4, 0.0, -0.3], shape: [2, 3])
            try f.writeStrings("/parameter_names", SyntheticScan.names)
        }
        return Seeds(dir: dir, scan: try Data(contentsOf: URL(fileURLWithPath: dir.file("scan.h5"))),
                     emulator: try Data(contentsOf: URL(fileURLWithPath: dir.file("emu.h5"))), points: dir.file("pts.h5"))
    }

    /// A mutation of HDF5 bytes; returns a description.
    func mutate(_ bytes: inout [UInt8], _ rng: inout SeededGenerator) -> String {
        switch rng.nextInt(below: 4) {
        case 0:
            let n = rng.nextInt(below: bytes.count)
            bytes.removeSubrange(n...)
            return "truncated to \(n) bytes"
        case 1:
            // The structure: superblock, object headers and B-trees sit mostly in the first kilobytes.
            let k = 1 + rng.nextInt(below: 4)
            var at: [Int] = []
            for _ in 0..<k { let i = rng.nextInt(below: min(bytes.count, 4096)); bytes[i] ^= UInt8(1 + rng.nextInt(below: 255)); at.append(i) }
            return "structure bytes \(at) flipped"
        case 2:
            let k = 1 + rng.nextInt(below: 16)
            var at: [Int] = []
            for _ in 0..<k { let i = rng.nextInt(below: bytes.count); bytes[i] ^= UInt8(1 + rng.nextInt(below: 255)); at.append(i) }
            return "bytes \(at) flipped"
        default:
            // A shape change: one 8-byte little-endian small number (a dimension, a count) becomes another.
            let olds: [UInt64] = [1, 2, 3, 8, 9, 200, 160]
            let news: [UInt64] = [0, 1, 4, 7, 1000, 1 << 31, 1 << 40, UInt64.max]
            let old = olds[rng.nextInt(below: olds.count)], new = news[rng.nextInt(below: news.count)]
            let hits = byteOffsets(of: littleEndianBytes(old), in: bytes)
            guard !hits.isEmpty else { return "no \(old) to change" }
            let at = hits[rng.nextInt(below: hits.count)]
            bytes.replaceSubrange(at..<(at + 8), with: littleEndianBytes(new))
            return "8-byte \(old) at \(at) set to \(new)"
        }
    }

    /// An attribute of an emulator copy set to a hostile value; returns a description.
    func mutateAttribute(_ path: String, _ rng: inout SeededGenerator) throws -> String {
        let numeric = ["hidden", "inputs", "outputs", "members", "format_version", "target_is_chi2", "chi2_min", "seed"]
        let strings = ["activation", "precision", "format", "target", "config", "accuracy_report", "checksum", "pdfemu_version"]
        let values: [Double] = [-1, 0, 1, 2e9, 1e300, .nan, .infinity, 3, 65537]
        let f = try HDF5File(open: path, writable: true)
        if rng.nextInt(below: 2) == 0 {
            let name = numeric[rng.nextInt(below: numeric.count)]
            let v = values[rng.nextInt(below: values.count)]
            if name == "chi2_min" { try f.writeAttribute(name, [v]) } else {
                let i = v.isFinite && abs(v) < 9e18 ? Int64(v) : Int64.min
                try f.writeAttribute(name, rng.nextInt(below: 3) == 0 ? [i, i] : [i])
            }
            return "attribute \(name) = \(v)"
        }
        let name = strings[rng.nextInt(below: strings.count)]
        let v = ["", "float16", "relu6", "x/y", String(repeating: "z", count: 5000), "{", "fnv1a64:0000000000000000"][rng.nextInt(below: 7)]
        try f.writeAttribute(name, v)
        return "attribute \(name) = \"\(v.prefix(20))\""
    }

    /// A JSON config mutation; returns a description.
    func mutate(config text: String, _ rng: inout SeededGenerator) -> (String, String) {
        var chars = Array(text)
        switch rng.nextInt(below: 3) {
        case 0:
            let n = rng.nextInt(below: chars.count)
            return (String(chars[..<n]), "config truncated to \(n) characters")
        case 1:
            let i = rng.nextInt(below: chars.count)
            let pool = Array("0123456789-.e,:[]{}\"x ")
            chars[i] = pool[rng.nextInt(below: pool.count)]
            return (String(chars), "config character \(i) changed")
        default:
            // Replace one number or string value by a hostile one.
            let replacements = ["-1", "0", "1e308", "1e12", "2000000000", "-0.5", "\"x\"", "null", "[]", "{}", "true",
                                "18446744073709551616", "\"\"", "\"a/b\"", "[0]", "[-3]", "0.5"]
            let r = replacements[rng.nextInt(below: replacements.count)]
            let tokens = text.ranges(of: try! Regex(#"-?[0-9][0-9.e+-]*|"[^"]*""#))
            let valueTokens = tokens.filter { tr in
                let after = text[tr.upperBound...].first { !$0.isWhitespace }
                return after != ":"
            }
            guard !valueTokens.isEmpty else { return (text, "unchanged") }
            let tr = valueTokens[rng.nextInt(below: valueTokens.count)]
            var t = text
            let old = String(text[tr])
            t.replaceSubrange(tr, with: r)
            return (t, "value \(old.prefix(30)) → \(r)")
        }
    }

    func testMutatedInputsNeverCrashAndNeverWriteOnFailure() throws {
        let env = ProcessInfo.processInfo.environment
        let cases = Int(env["PDFEMU_FUZZ_CASES"] ?? "") ?? 240
        let seed = UInt64(env["PDFEMU_FUZZ_SEED"] ?? "") ?? 1
        var rng = SeededGenerator(seed: seed)
        let seeds = try makeSeeds()
        let dir = seeds.dir
        var failures: [String] = []
        var outcomes: [String: Int] = [:]
        let started = Date()
        for c in 0..<cases {
            let out = dir.file("out-\(c).h5")
            let input = dir.file("case-\(c).h5")
            var what: String
            var args: [String]
            switch c % 5 {
            case 0, 1:
                var b = [UInt8](seeds.scan)
                what = "scan: " + mutate(&b, &rng)
                try Data(b).write(to: URL(fileURLWithPath: input))
                if c % 5 == 0 { args = ["inspect", input] } else {
                    let cfg = dir.file("case-\(c).json")
                    try Data(seeds.config(scan: input).utf8).write(to: URL(fileURLWithPath: cfg))
                    args = ["fit", cfg, "--quiet", "--output", out]
                }
            case 2, 3:
                var b = [UInt8](seeds.emulator)
                if rng.nextInt(below: 4) == 0 {
                    try Data(b).write(to: URL(fileURLWithPath: input))
                    what = "emulator: " + (try mutateAttribute(input, &rng))
                } else {
                    what = "emulator: " + mutate(&b, &rng)
                    try Data(b).write(to: URL(fileURLWithPath: input))
                }
                args = c % 5 == 2 ? ["predict", "--emulator", input, "--input", seeds.points, "--output", out]
                    : ["scan", "--emulator", input, "--params", "none", "--starts", "2", "--output", out]
            default:
                let (text, how) = mutate(config: seeds.config(scan: dir.file("scan.h5")), &rng)
                what = how
                let cfg = dir.file("case-\(c).json")
                try Data(text.utf8).write(to: URL(fileURLWithPath: cfg))
                args = ["fit", cfg, "--quiet", "--output", out]
            }
            let r = try run(args)
            let label = "case \(c) (\(args[0]), \(what))"
            if r.timedOut { failures.append("\(label): timed out") }
            else if r.signaled { failures.append("\(label): killed by signal \(r.status): \(r.stderr.prefix(300))") }
            else if r.status != 0 {
                if !(1...125).contains(r.status) { failures.append("\(label): exit \(r.status)") }
                if r.stderrLines.count != 1 { failures.append("\(label): \(r.stderrLines.count) stderr lines: \(r.stderr.prefix(400))") }
                if FileManager.default.fileExists(atPath: out) { failures.append("\(label): failed (exit \(r.status)) but wrote \(out)") }
            }
            if let keep = env["PDFEMU_FUZZ_KEEP"], failures.last?.hasPrefix(label) == true {
                // Keep the failing inputs for a post-mortem.
                for src in [input, dir.file("case-\(c).json")] where FileManager.default.fileExists(atPath: src) {
                    try? FileManager.default.copyItem(atPath: src, toPath: keep + "/" + URL(fileURLWithPath: src).lastPathComponent)
                }
            }
            outcomes[r.status == 0 ? "ok" : "error", default: 0] += 1
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: input)
        }
        print("fuzz: seed \(seed), \(cases) cases in \(Int(Date().timeIntervalSince(started))) s: \(outcomes)")
        XCTAssertTrue(failures.isEmpty, "\(failures.count) of \(cases) cases misbehaved:\n" + failures.prefix(20).joined(separator: "\n"))
        // The mutations do reach both outcomes: some inputs still work, most are refused.
        XCTAssertGreaterThan(outcomes["error", default: 0], cases / 4)
    }
}
