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
        .refineScan: "--scan", .refineGuide: "--emulator", .refineState: "--state",
        .prior: "--prior", .learnConsecutive: "--consecutive", .learnMoveTolerance: "--move-tolerance", .learnBudget: "--budget",
        .learnState: "--state", .learnResume: "--resume", .proposalMargin: "--margin", .proposalMinDistance: "--min-distance",
        .verifyOracle: "--verify", .verifyEpsilon: "--verify-epsilon", .verifyMCMCSamples: "--verify-mcmc-samples",
        .designCount: "--n", .evidenceSamples: "--samples", .evidenceParticles: "--particles", .evidencePosteriorSamples: "--posterior-samples",
        .evidenceTemperatures: "--temperatures", .evidenceMoves: "--moves", .learnInitial: "--initial", .learnBatch: "--batch",
        .proposalCount: "--n",
    ]
}

/// The one line the CLI prints for `error`: library errors about settings name the flag.
func cliMessage(_ error: any Error) -> String {
    if let e = error as? SettingError { return e.line(naming: e.setting.flag) }
    return userMessage(error)
}
