import PDFEmu

extension Setting {
    /// The command-line flag that sets this setting (the library's spelling where no flag sets it).
    var flag: String { Setting.flags[self] ?? rawValue }

    /// Every library setting a flag sets: the one table that spells flags.
    static let flags: [Setting: String] = [
        .profileParameters: "--params", .tolerances: "--tolerance", .fixed: "--fix", .bounds: "--bound",
        .ranges: "--range", .points: "--points", .contours: "--contour", .levels: "--levels", .rays: "--rays",
        .lagrangeExpressions: "--lagrange", .lagrangeModels: "--lagrange-emulator", .starts: "--starts",
        .widen: "profile grid widen factor", .shard: "--shard", .mcmc: "--mcmc", .mcmcChains: "--mcmc-chains",
        .mcmcWalkers: "--mcmc-walkers", .mcmcSteps: "--mcmc-steps", .mcmcBurnIn: "--mcmc-burn-in",
        .mcmcThin: "--mcmc-thin", .mcmcTemperature2: "--mcmc-tolerance",
        .q2Min: "--q2-min", .theoryFixed: "--fix", .theoryFree: "--free",
        .eigenTolerance: "--tolerance", .eigenMaxIterations: "--max-iterations", .experimentPoints: "--experiment-points",
        .xPoints: "--x-points", .bandsFixed: "--fix", .bandsFree: "--free",
        .designMix: "--mix", .designDeltaMax: "--delta-max", .designBox: "--box", .designGaussianScale: "--gaussian-scale",
        .plotDirectory: "--plot", .resume: "--resume",
        .evidenceMethods: "--method", .evidenceRuns: "--runs", .smcParticles: "--smc-particles", .smcESSFraction: "--smc-ess",
        .smcAcceptedMoves: "--accepted-moves", .smcMaxSweeps: "--max-sweeps", .evidenceTemperature2: "--tolerance", .evidenceStarts: "--starts",
        .refineEpsilon: "--epsilon", .refineStationarity: "--stationarity", .refineBudget: "--budget", .refineGradients: "--gradients",
        .refineMaxIterations: "--max-iterations", .refineFiniteDifferenceStep: "finite-difference step", .refineBound: "--bound",
        .refineScan: "--scan", .refineGuide: "--emulator", .refineState: "--state", .refineSecantSteps: "--secant-steps", .refineStepGradient: "--step-gradient",
        .refineContourVertices: "--contour-vertices",
        .prior: "--prior", .learnConsecutive: "--consecutive", .learnMoveTolerance: "--move-tolerance", .learnBudget: "--budget", .learnRefineBudget: "--refine-budget",
        .learnState: "--state", .learnResume: "--resume", .proposalMargin: "--margin", .proposalMinDistance: "--min-distance",
        .verifyOracle: "--verify", .verifyEpsilon: "--verify-epsilon", .verifyMCMCSamples: "--verify-mcmc-samples",
        .designCount: "--n", .evidenceSamples: "--samples", .evidenceParticles: "--particles", .evidencePosteriorSamples: "--posterior-samples",
        .evidenceTemperatures: "--temperatures", .evidenceMoves: "--moves", .learnInitial: "--initial", .learnBatch: "--batch",
        .proposalCount: "--n",
    ]
}

/// The one line the CLI prints for `error`: library errors about settings name the flag.
func cliMessage(_ error: any Error) -> String {
    if let e = error as? PDFEmuError, let s = e.setting { return e.line(naming: s.flag) }
    return userMessage(error)
}

extension PDFEmuError {
    /// An error about `item` (if any) in the command line's own option `flag`, which no library setting
    /// stands for: a setting named by its flag, so the line reads "FLAG [ITEM]: REASON".
    init(flag: String, _ item: String?, _ reason: String) { self.init(.setting(Setting(flag), item: item), reason) }

    /// An error about the command line's own option `flag` as a whole: "FLAG: REASON".
    init(flag: String, _ reason: String) { self.init(.setting(Setting(flag), item: nil), reason) }

    /// An error about how the command was invoked (a combination of its options); the line is `reason`,
    /// which names the options.
    init(usage reason: String) { self.init(.usage, reason) }
}
