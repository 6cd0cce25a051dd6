import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// The MCMC sampling method (also the stored wording in files and JSON).
package enum MCMCSampler: String, Sendable, Codable, Equatable, CaseIterable {
    /// The affine-invariant ensemble sampler (`EnsembleSampler`).
    case ensemble
    /// Hamiltonian Monte Carlo with the exact gradient (`HamiltonianSampler`).
    case hmc
}
