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
public struct ArchiveVerifier {
    public let logKeys: [NoteVerifierKey]
    public let lookup: (any ArchiveLookup)?
    let hasher: TreeHasher

    public init(logKeys: [NoteVerifierKey], lookup: (any ArchiveLookup)? = nil, hasher: TreeHasher = .sha256) {
        self.logKeys = logKeys
        self.lookup = lookup
        self.hasher = hasher
    }

    public func check(_ seal: SealSignature, document: [UInt8], into report: inout VerificationReport) {
        guard !logKeys.isEmpty else {
            report.append(.skipped(.archive, "the trust bundle names no archive log, so archiving was not checked"))
            return
        }
        if let der = seal.unsignedAttribute(SealOID.archiveReceipt) {
            let receipt: Receipt
            do { receipt = try Receipt(der: der) } catch {
                fail(&report, .totalFailed, .archiveProofFailure, .invalidReceipt, "the archive receipt is malformed")
                return
            }
            check(receipt, source: "receipt", seal: seal, document: document, into: &report)
            return
        }
        guard let lookup else {
            fail(&report, .indeterminate, .notArchived, .notArchived,
                 "the seal carries no archive receipt (verify online with --data, or refresh the receipt)")
            return
        }
        do {
            guard let receipt = try lookup.receipt(forSignatureHash: DigestAlgorithm.sha256.hash(seal.signatureValue)) else {
                fail(&report, .totalFailed, .notArchived, .notArchived, "the authority's archive does not hold this seal")
                return
            }
            check(receipt, source: "archive", seal: seal, document: document, into: &report)
        } catch {
            fail(&report, .indeterminate, .tryLater, .notArchived, "the archive could not be read: \(error)")
        }
    }

    private func check(_ receipt: Receipt, source: String, seal: SealSignature, document: [UInt8],
                       into report: inout VerificationReport) {
        let signed: SignedCheckpoint
        do {
            signed = try SignedCheckpoint(note: receipt.checkpoint, logKeys: logKeys)
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
        guard let algorithm = seal.digestAlgorithm,
              let entry = try? SealEntry(seal: seal, documentDigest: algorithm.hash(document), salt: receipt.salt),
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
    }

    private func fail(_ report: inout VerificationReport, _ indication: Indication, _ sub: SubIndication,
                      _ status: ArchiveSummary.Status, _ detail: String) {
        report.archive = ArchiveSummary(status: status)
        report.append(.failed(.archive, indication, sub, detail))
    }
}
