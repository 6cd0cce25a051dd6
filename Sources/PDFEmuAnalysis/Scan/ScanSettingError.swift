import PDFEmuCore

/// The settings of a scan (`ScanOptions`, `ScanMCMCOptions`) are `Setting`s; the name is kept for readers.
public typealias ScanSetting = Setting
/// A bad scan setting is a `SettingError`, like every other bad setting.
public typealias ScanSettingError = SettingError

extension Setting {
    /// Parameters to profile.
    public static let profileParameters = Setting("profileParameters")
    /// Δχ² levels T² of intervals.
    public static let tolerances = Setting("tolerances")
    /// Parameters held fixed in a scan.
    public static let fixed = Setting("fixed")
    /// Bounds on parameters.
    public static let bounds = Setting("bounds")
    /// Profile grid ranges.
    public static let ranges = Setting("ranges")
    /// Points per profile.
    public static let points = Setting("points")
    /// 2D contours.
    public static let contours = Setting("contours")
    /// Contour levels.
    public static let levels = Setting("levels")
    /// Rays per contour.
    public static let rays = Setting("rays")
    /// Lagrange expressions.
    public static let lagrangeExpressions = Setting("lagrangeExpressions")
    /// Lagrange models (a second model's value).
    public static let lagrangeModels = Setting("lagrangeModels")
    /// Starts of the global minimisation.
    public static let starts = Setting("starts")
    /// Profile grid widen factor.
    public static let widen = Setting("widen")
    /// The shard of the work units.
    public static let shard = Setting("shard")
    /// MCMC on or off.
    public static let mcmc = Setting("mcmc")
    /// MCMC chains.
    public static let mcmcChains = Setting("mcmc.chains")
    /// MCMC walkers per chain.
    public static let mcmcWalkers = Setting("mcmc.walkers")
    /// MCMC steps per chain.
    public static let mcmcSteps = Setting("mcmc.steps")
    /// MCMC burn-in steps.
    public static let mcmcBurnIn = Setting("mcmc.burnIn")
    /// MCMC thinning.
    public static let mcmcThin = Setting("mcmc.thin")
    /// MCMC temperature T².
    public static let mcmcTemperature2 = Setting("mcmc.temperature2")

    /// Every scan setting, in declaration order.
    public static let scanSettings: [Setting] = [
        .profileParameters, .tolerances, .fixed, .bounds, .ranges, .points, .contours, .levels, .rays,
        .lagrangeExpressions, .lagrangeModels, .starts, .widen, .shard, .mcmc, .mcmcChains, .mcmcWalkers,
        .mcmcSteps, .mcmcBurnIn, .mcmcThin, .mcmcTemperature2,
    ]
}
