import PDFEmuCore
import PDFEmuAnalysis

extension Refiner {
    /// The start of a profile end at value a (issue 18, item 4): `minimised`, the guide's constrained
    /// minimum at a from the scan's kept point (the nearest grid value's θ, two-sided: the lower branch the
    /// scan found there), unless that minimisation left the scan's branch — some nuisance parameter moved
    /// more than `branchMove` Hessian σ from the scan's point — in which case the scan's point itself (θ_k
    /// set to a, clamped to the constraints; a guide minimisation boxed to `branchMove` σ around it measured
    /// worse). A scan made with the guide is on the guide's own branch and
    /// moves little; a scan whose lower branch the guide does not have (another model's, or the truth's
    /// two-sided scan) keeps its branch, and the true χ² decides from there.
    func branchStart(profile: ProfileResult, k: Int, scanPoint: [Double], minimised: [Double]) -> [Double] {
        guard scanPoint.count == minimised.count else { return minimised }
        for i in scanPoint.indices where i != k && !constraints[i].isFixed {
            guard let s = scan.hessian.sigma(ofParameter: i), s > 0 else { continue }
            if abs(minimised[i] - scanPoint[i]) > Refiner.branchMove * s { return scanPoint }
        }
        return minimised
    }

    /// Hessian σ a nuisance parameter may move in the start's guide minimisation before the start keeps the
    /// scan's branch instead (the scan's jump threshold).
    static let branchMove = 2.0
}
