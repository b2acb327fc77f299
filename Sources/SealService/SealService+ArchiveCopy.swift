public import Foundation
public import SealArchive

/// `seal archive copy`: an archive moved from one database to another (SQLite to PostgreSQL when
/// a province outgrows one host), checked before it is trusted.
extension SealService {
    public struct ArchiveCopyReport: Sendable, Encodable {
        public let entries: Int
        public let checkpoints: Int
        public let audit: AuditReport
    }

    /// Copies every entry of `source` into the empty archive `target`, batch by batch as the
    /// source committed them: each batch is appended through the target's own append path, so
    /// its lookup tables are built as a live archive builds them, and its checkpoint is signed
    /// again with the log key, which gives the source's note byte for byte (Ed25519 is
    /// deterministic), as this checks. Salts and private notes go along. A full audit of the
    /// target, signatures included, ends the copy. A target that holds anything is refused.
    public func copyArchive(from source: ArchiveLocation, to target: ArchiveLocation,
                            progress: (Int, Int) -> Void = { _, _ in }) throws(ServiceError) -> ArchiveCopyReport {
        guard source != target else { throw .invalidArgument("--from and --to name the same archive") }
        let signer = try logSigner()
        do {
            let from = try source.open(readOnly: true)
            let to = try target.open(readOnly: false)
            guard try to.size == 0, try to.latestCheckpoint() == nil, try to.entryCount() == 0 else {
                throw ServiceError.conflict("the target archive \(target) is not empty; copy only into a new, empty archive")
            }
            let checkpoints = try from.allCheckpoints()
            let total = try from.size
            var copied = 0
            // Batches keep their commit times; an empty one (the empty tree's checkpoint) takes a
            // moment before the first entry's.
            var previous = (try from.entries(from: 0, count: 1).first?.committedAt ?? Date()).addingTimeInterval(-0.001)
            for checkpoint in checkpoints {
                let rows = try from.entries(from: copied, count: checkpoint.size - copied)
                let committed = rows.last?.committedAt ?? previous
                previous = committed
                guard rows.count == checkpoint.size - copied else {
                    throw ServiceError.archive("the source archive lacks entries below its checkpoint of size \(checkpoint.size); run `seal audit`")
                }
                var batch: [NewArchiveEntry] = []
                for row in rows {
                    let entry = try ArchiveEntry(decoding: row.data)
                    var salt: [UInt8]?
                    if case .seal(let seal) = entry { salt = try from.find(signatureHash: seal.signatureHash)?.salt }
                    batch.append(NewArchiveEntry(entry: entry, salt: salt, note: try from.note(of: row.index)))
                }
                let appended = try to.append(batch, signer: signer, now: committed, afterRevocationList: .none, withProofs: false)
                guard appended.checkpoint.note == checkpoint.note else {
                    throw ServiceError.archive("the copy's checkpoint of size \(checkpoint.size) differs from the source's; nothing more is copied")
                }
                copied = checkpoint.size
                progress(copied, total)
            }
            let auditor = Auditor(logKey: try logVerifierKey, trust: try trustBundle().anchors)
            let report = try auditor.audit(to, savedCheckpoint: checkpoints.last?.note)
            guard report.ok else { throw ServiceError.archive("the copy fails its audit: \(report.problems.map { "\($0)" }.joined(separator: "; "))") }
            return ArchiveCopyReport(entries: copied, checkpoints: checkpoints.count, audit: report)
        } catch let error as ServiceError {
            throw error
        } catch let error as ArchiveError {
            throw ServiceError(error)
        } catch {
            throw .archive("\(error)")
        }
    }
}
