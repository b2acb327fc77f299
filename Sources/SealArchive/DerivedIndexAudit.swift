public import Foundation

/// The tables a store derives from its log for lookups, proved equal to what the log says as an
/// audit reads the entries in order: the kind and signature-hash columns (by which CRLs,
/// revocations and seals are found), the document-revocation and CRL indexes, and one stored
/// checkpoint for every append (each append has its own commit time, so a batch's end shows in
/// the entries).
///
/// None of these is covered by a signature; a verdict that read a changed row unchecked would
/// trust the database instead of the log.
struct DerivedIndexAudit {
    private var previousCommit: Int?
    /// Revoked entry → revoking entry, as the log's revocation entries say (the first for each).
    private var revocations: [Int: Int] = [:]
    /// The entries holding CRLs.
    private var revocationLists: Set<Int> = []
    let checkpointSizes: Set<Int>

    init(checkpointSizes: Set<Int>) { self.checkpointSizes = checkpointSizes }

    /// Checks the columns stored with `row` against its decoded `entry` (nil when it does not
    /// decode, which the audit reports apart).
    mutating func check(_ row: StoredEntry, entry: ArchiveEntry?, report: inout AuditReport) {
        if case .documentRevocation(let revocation)? = entry, revocations[revocation.target.index] == nil {
            revocations[revocation.target.index] = row.index
        }
        if case .revocationList? = entry { revocationLists.insert(row.index) }
        guard let indexed = row.indexed else { return }
        defer { previousCommit = indexed.committedAt }
        if let previousCommit, indexed.committedAt != previousCommit, !checkpointSizes.contains(row.index) {
            report.problem(index: row.index, checkpoint: row.index,
                           "no checkpoint is stored for the append that ended before this entry: a checkpoint was removed")
        }
        guard let entry else { return }
        if indexed.kind != Int(entry.kind.rawValue) {
            report.problem(index: row.index, "the stored kind \(indexed.kind) differs from the entry's (\(entry.kind)): lookups by kind would misread it")
        }
        var signatureHash: [UInt8]? = nil
        if case .seal(let seal) = entry { signatureHash = seal.signatureHash }
        if indexed.signatureHash != signatureHash {
            report.problem(index: row.index, "the signature-hash index differs from the entry")
        }
    }

    /// Compares the stored indexes (nil when the source keeps none) with what the log holds.
    func finish(stored: StoredIndexes?, report: inout AuditReport) {
        guard let stored else { return }
        for (target, entry) in revocations.sorted(by: { $0.value < $1.value }) where stored.documentRevocations[target] != entry {
            report.problem(index: entry, "the document-revocation index does not record this entry's revocation of entry \(target)")
        }
        for (target, entry) in stored.documentRevocations.sorted(by: { $0.value < $1.value }) where revocations[target] != entry {
            report.problem(index: entry, "the document-revocation index says this entry revokes entry \(target); the log does not")
        }
        for entry in revocationLists.subtracting(stored.revocationLists).sorted() {
            report.problem(index: entry, "the CRL index does not record this entry's CRL")
        }
        for entry in stored.revocationLists.subtracting(revocationLists).sorted() {
            report.problem(index: entry, "the CRL index says this entry holds a CRL; the log does not")
        }
    }
}
