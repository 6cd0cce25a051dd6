import ArgumentParser
import Foundation
import PDFEmu

/// `--verify-epsilon FLOOR[,SLOPE]`, declared once (`scan` and `learn`); not given: the library's default ε.
struct VerifyEpsilonArguments: ParsableArguments {
    @Option(help: "ε of the verification: FLOOR[,SLOPE] in χ² units (default 0.02,0.02); an answer at T² is certified when |Δχ²_emu − Δχ²_true| ≤ max(FLOOR, SLOPE·T²).")
    var verifyEpsilon: String?

    /// The verification options with this ε (the slope defaults to the library's) and `mcmcSamples`
    /// (default: the library's), checked; one error line naming --verify-epsilon.
    func options(mcmcSamples: Int? = nil) throws -> VerificationOptions {
        var o = VerificationOptions()
        if let mcmcSamples { o.mcmcSamples = mcmcSamples }
        if let text = verifyEpsilon {
            let v = try ScanOptionParsing.numbers(text, option: "--verify-epsilon")
            guard v.count == 1 || v.count == 2 else { throw SettingError(.verifyEpsilon, "give FLOOR or FLOOR,SLOPE, got \(text)") }
            o.epsilonFloor = v[0]
            if v.count == 2 { o.epsilonSlope = v[1] }
        }
        try o.validate()
        return o
    }
}

/// `scan`'s check of its answers against an oracle: --verify and its options.
struct VerificationArguments: ParsableArguments {
    @Option(help: "After the scan, check every answer against the true χ² of this oracle ('CMD {input} {output}', fk:FILE, emulator:FILE).") var verify: String?
    @OptionGroup var epsilon: VerifyEpsilonArguments
    @Option(help: "MCMC samples --verify evaluates (evenly spaced; 0: none; default 100).") var verifyMcmcSamples: Int?

    /// The oracle and options of --verify, or nil without it; one error line if a --verify-… option comes
    /// without --verify or a value is bad.
    func resolve() throws -> (spec: OracleSpec, options: VerificationOptions)? {
        guard let verify else {
            if epsilon.verifyEpsilon != nil || verifyMcmcSamples != nil { throw PDFEmuError(usage: "--verify-… options need --verify") }
            return nil
        }
        return (try OracleSpec(parsing: verify), try epsilon.options(mcmcSamples: verifyMcmcSamples))
    }
}
