import Foundation
public import SealCore

/// Checks that a seal was archived: the receipt's leaf is recomputed from the document and the
/// seal, its inclusion proof leads to the root of a checkpoint signed by a trusted log key.
///
/// Verdicts (the `archive` check):
/// - the trust bundle names no log key: skipped, the report says archiving was not checked;
/// - no receipt, offline: INDETERMINATE / NOT_ARCHIVED;
/// - no receipt, online, and the archive does not hold the seal: TOTAL-FAILED / NOT_ARCHIVED;
/// - a receipt whose checkpoint is signed only by unknown keys (a foreign receipt): INDETERMINATE / NOT_ARCHIVED;
/// - a malformed receipt, a leaf that does not match this seal and document, a failing inclusion
///   proof, a bad checkpoint signature or size: TOTAL-FAILED / ARCHIVE_PROOF_FAILURE.
///
/// Document revocation (the `document-revocation` check, once archiving is proven): online, the
/// archive says whether the entry was revoked; offline, a signed status list does. A revoked
/// document is TOTAL-FAILED / REVOKED, with reason, time and replacement in the report; a status
/// list past its next update is INDETERMINATE / TRY_LATER.
public struct ArchiveVerifier {
    public let logKeys: [NoteVerifierKey]
    public let lookup: (any ArchiveLookup)?
    public let statusList: DocumentStatusList?
    let hasher: TreeHasher
    /// The checkpoints this verifier has seen verified.
    public let checkpoints: VerifiedCheckpoints

    public init(logKeys: [NoteVerifierKey], lookup: (any ArchiveLookup)? = nil, statusList: DocumentStatusList? = nil,
                hasher: TreeHasher = .sha256, checkpoints: VerifiedCheckpoints = VerifiedCheckpoints()) {
        self.logKeys = logKeys
        self.lookup = lookup
        self.statusList = statusList
        self.hasher = hasher
        self.checkpoints = checkpoints
    }

    public func check(_ seal: SealSignature, documentDigest: [UInt8]?, into report: inout VerificationReport) {
        guard let sealed = try? SealSigner.Sealed(seal), let documentDigest else {
            return check(nil, documentDigest: [], receipt: seal.unsignedAttribute(SealOID.archiveReceipt), into: &report)
        }
        check(sealed, documentDigest: documentDigest, receipt: seal.unsignedAttribute(SealOID.archiveReceipt), into: &report)
    }

    /// The same for any seal format: `sealed` holds what the archive entry binds (nil when the
    /// seal lacks it), `receipt` the receipt the seal carries or that came with it.
    public func check(_ sealed: SealSigner.Sealed?, documentDigest: [UInt8], receipt: [UInt8]?, into report: inout VerificationReport) {
        guard !logKeys.isEmpty else {
            report.append(.skipped(.archive, "the trust bundle names no archive log, so archiving was not checked"))
            return
        }
        if let der = receipt {
            let receipt: Receipt
            do { receipt = try Receipt(der: der) } catch {
                fail(&report, .totalFailed, .archiveProofFailure, .invalidReceipt, "the archive receipt is malformed")
                return
            }
            check(receipt, source: "receipt", sealed: sealed, documentDigest: documentDigest, into: &report)
            return
        }
        guard let lookup else {
            fail(&report, .indeterminate, .notArchived, .notArchived,
                 "the seal carries no archive receipt (verify online with --data, or refresh the receipt)")
            return
        }
        do {
            guard let sealed, let receipt = try lookup.receipt(forSignatureHash: DigestAlgorithm.sha256.hash(sealed.signatureValue)) else {
                fail(&report, .totalFailed, .notArchived, .notArchived, "the authority's archive does not hold this seal")
                return
            }
            check(receipt, source: "archive", sealed: sealed, documentDigest: documentDigest, into: &report)
        } catch {
            fail(&report, .indeterminate, .tryLater, .notArchived, "the archive could not be read: \(error)")
        }
    }

    private func check(_ receipt: Receipt, source: String, sealed: SealSigner.Sealed?, documentDigest: [UInt8],
                       into report: inout VerificationReport) {
        let signed: SignedCheckpoint
        do {
            signed = try checkpoints.checkpoint(note: receipt.checkpoint, logKeys: logKeys)
        } catch .note(.noKnownSignature) {
            fail(&report, .indeterminate, .notArchived, .notArchived, "the receipt is from an archive log the trust bundle does not name")
            return
        } catch {
            fail(&report, .totalFailed, .archiveProofFailure, .invalidReceipt, "the receipt's checkpoint is invalid: \(error)")
            return
        }
        let checkpoint = signed.checkpoint
        guard logKeys.contains(where: { $0.name == checkpoint.origin }) else {
            fail(&report, .totalFailed, .archiveProofFailure, .invalidReceipt, "the checkpoint's origin does not match its log key")
            return
        }
        var summary = ArchiveSummary(status: .invalidReceipt, log: checkpoint.origin, index: receipt.index,
                                     treeSize: receipt.treeSize, source: source)
        guard checkpoint.size == receipt.treeSize else {
            report.archive = summary
            report.append(.failed(.archive, .totalFailed, .archiveProofFailure, "the receipt's tree size differs from its checkpoint's"))
            return
        }
        guard let sealed, let entry = try? SealEntry(sealed: sealed, documentDigest: documentDigest, salt: receipt.salt),
              hasher.leafHash(ArchiveEntry.seal(entry).encoded) == receipt.leafHash else {
            report.archive = summary
            report.append(.failed(.archive, .totalFailed, .archiveProofFailure,
                                  "the receipt is for another seal or another document"))
            return
        }
        guard MerkleVerify.inclusion(index: receipt.index, size: receipt.treeSize, leafHash: receipt.leafHash,
                                     proof: receipt.proof, root: checkpoint.rootHash, hasher: hasher) else {
            report.archive = summary
            report.append(.failed(.archive, .totalFailed, .archiveProofFailure, "the receipt's inclusion proof does not verify"))
            return
        }
        summary.status = .archived
        report.archive = summary
        report.append(.passed(.archive, "archived as entry \(receipt.index) of \(checkpoint.origin), proven against its signed checkpoint of size \(checkpoint.size)"))
        checkDocumentRevocation(index: receipt.index, leafHash: receipt.leafHash, into: &report)
    }

    private func checkDocumentRevocation(index: Int, leafHash: TreeHash, into report: inout VerificationReport) {
        if let lookup {
            do {
                guard let revocation = try lookup.documentRevocation(ofEntry: index) else {
                    report.revocation.document = DocumentRevocationSummary(status: .notRevoked, source: "archive")
                    report.append(.passed(.documentRevocation, "the authority's archive holds no revocation of this document"))
                    return
                }
                revoked(reason: revocation.reason, at: revocation.revokedAt, replacedBy: revocation.replacement?.index,
                        summary: DocumentRevocationSummary(status: .revoked, source: "archive"), into: &report)
            } catch {
                report.append(.failed(.documentRevocation, .indeterminate, .tryLater, "the archive could not be read: \(error)"))
            }
            return
        }
        guard let statusList else {
            report.append(.skipped(.documentRevocation, "no document status list given (--status), and not verified online"))
            return
        }
        var summary = DocumentRevocationSummary(status: .notRevoked, source: "status-list", issued: statusList.issued,
                                                nextUpdate: statusList.nextUpdate)
        if let item = statusList.item(forLeaf: leafHash), item.index == index {
            summary.status = .revoked
            revoked(reason: item.reason, at: item.revokedAt, replacedBy: item.replacedBy, summary: summary, into: &report)
            return
        }
        if statusList.nextUpdate < report.validationTime {
            summary.status = .stale
            report.revocation.document = summary
            report.append(.failed(.documentRevocation, .indeterminate, .tryLater,
                                  "the document status list is out of date (next update \(statusList.nextUpdate.rfc3339))"))
            return
        }
        report.revocation.document = summary
        report.append(.passed(.documentRevocation, "not revoked according to the status list of \(statusList.issued.rfc3339)"))
    }

    private func revoked(reason: DocumentRevocation.Reason, at date: Date, replacedBy: Int?, summary: DocumentRevocationSummary,
                         into report: inout VerificationReport) {
        var summary = summary
        summary.status = .revoked
        summary.reason = reason.description
        summary.revokedAt = date
        summary.replacedBy = replacedBy
        report.revocation.document = summary
        let replacement = replacedBy.map { ", replaced by archive entry \($0)" } ?? ""
        report.append(.failed(.documentRevocation, .totalFailed, .revoked,
                              "the document was revoked (\(reason)) on \(date.rfc3339)\(replacement)"))
    }

    private func fail(_ report: inout VerificationReport, _ indication: Indication, _ sub: SubIndication,
                      _ status: ArchiveSummary.Status, _ detail: String) {
        report.archive = ArchiveSummary(status: status)
        report.append(.failed(.archive, indication, sub, detail))
    }
}
