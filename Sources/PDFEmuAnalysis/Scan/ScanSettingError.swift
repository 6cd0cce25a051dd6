import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// The settings of a scan (`ScanOptions`, `ScanMCMCOptions`), named by their library spelling; the
/// command line maps each to its own flag.
public enum ScanSetting: String, Sendable, CaseIterable {
    case profileParameters, tolerances, fixed, bounds, ranges, points, contours, levels, rays, lagrangeExpressions
    case lagrangeModels, starts, widen, shard, mcmc
    case mcmcChains = "mcmc.chains", mcmcWalkers = "mcmc.walkers", mcmcSteps = "mcmc.steps", mcmcBurnIn = "mcmc.burnIn"
    case mcmcThin = "mcmc.thin", mcmcTemperature2 = "mcmc.temperature2"
}

/// A scan setting that cannot be used: which setting, optionally what in it (a parameter name, a pair),
/// and why. The description reads "SETTING [SUBJECT]: MESSAGE" in library spelling; the CLI prints the
/// same with its flag in place of the setting.
public struct ScanSettingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The setting at fault.
    public var setting: ScanSetting
    /// What in it is at fault (e.g. the parameter name), if anything.
    public var subject: String?
    /// Why, in one line.
    public var message: String

    /// Creates the error about `subject` in `setting`.
    public init(_ setting: ScanSetting, _ subject: String?, _ message: String) {
        self.setting = setting; self.subject = subject; self.message = message
    }

    /// Creates the error about `setting` as a whole.
    public init(_ setting: ScanSetting, _ message: String) { self.init(setting, nil, message) }

    /// The line with `name` standing for the setting.
    public func line(naming name: String) -> String { name + (subject.map { " " + $0 } ?? "") + ": " + message }

    /// The line in library spelling.
    public var description: String { line(naming: setting.rawValue) }
}
