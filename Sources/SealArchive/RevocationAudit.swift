import Foundation
import SealCore

/// The revocation rules an audit enforces as it reads entries in order.
struct RevocationAudit {
    private var revokedTargets: Set<Int> = []
    private var lastList: (number: Int, thisUpdate: Date, entries: [String: RevokedCertificate])?

    /// A document revocation must follow its target, name it by the right leaf, be the only one
    /// for it, and (with trust anchors) be signed by the target's own seal or by the authority.
    mutating func check(_ revocation: DocumentRevocation, at index: Int, source: some AuditSource, trust: TrustAnchors?,
                        hasher: TreeHasher, report: inout AuditReport) {
        func target(_ reference: DocumentRevocation.Reference) -> SealEntry? {
            guard reference.index < index, let stored = try? source.entry(at: reference.index),
                  hasher.leafHash(stored.data) == reference.leafHash,
                  case .seal(let seal)? = try? ArchiveEntry(decoding: stored.data) else { return nil }
            return seal
        }
        guard let sealed = target(revocation.target) else {
            report.problem(index: index, "the revocation names no earlier seal entry with that leaf")
            return
        }
        if let replacement = revocation.replacement, target(replacement) == nil {
            report.problem(index: index, "the revocation's replacement is not an earlier seal entry")
        }
        guard revokedTargets.insert(revocation.target.index).inserted else {
            report.problem(index: index, "entry \(revocation.target.index) is revoked twice")
            return
        }
        guard let trust else { return }
        guard revocation.isSignatureValid else {
            report.problem(index: index, "the revocation's signature does not verify")
            return
        }
        let byDepartment = revocation.revokerCertificate == sealed.signerCertificate
        let byAuthority = trust.roots.contains { $0.der == revocation.revokerCertificate }
        if !byDepartment && !byAuthority {
            report.problem(index: index, "the revocation is signed by neither the sealing department nor the authority")
        }
    }

    /// Archived CRLs: signed by a trusted root, numbered upwards, never dated back, and never
    /// dropping or changing a revocation an earlier CRL listed.
    mutating func check(_ issued: IssuedRevocationList, at index: Int, trust: TrustAnchors?, report: inout AuditReport) {
        guard let crl = try? RevocationList(bytes: issued.crl), let number = crl.number, let thisUpdate = crl.thisUpdate else {
            report.problem(index: index, "the archived CRL does not parse or has no CRL number")
            return
        }
        if let trust, !trust.roots.contains(where: { crl.isIssued(by: $0) }) {
            report.problem(index: index, "the archived CRL is not signed by a trusted root")
        }
        let entries = Dictionary(crl.entries.map { ($0.serialNumber, $0) }, uniquingKeysWith: { first, _ in first })
        if let last = lastList {
            if number <= last.number { report.problem(index: index, "CRL number \(number) does not follow \(last.number)") }
            if thisUpdate < last.thisUpdate { report.problem(index: index, "the CRL is dated before the previous one") }
            for (serial, previous) in last.entries where entries[serial] != previous {
                report.problem(index: index, "CRL \(number) drops or changes the revocation of serial \(serial)")
            }
        }
        lastList = (number, thisUpdate, entries)
    }
}
