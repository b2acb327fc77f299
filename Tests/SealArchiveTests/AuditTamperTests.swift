import Foundation
import Testing
import SealCore
@testable import SealArchive
import SealTestSupport

/// An attacker with write access to the database, on either backend: every change to the log's
/// rows that the signed checkpoints do not allow is caught by the audit, at the first bad index.
@Suite struct AuditTamperTests {
    /// A fresh archive of 40 entries in 8 batches, checked clean first.
    func filledArchive(_ backend: Backend) throws -> ScratchStorage {
        let archive = try ScratchStorage(backend)
        try archive.fill(40, batch: 5)
        #expect(try archive.audit().ok)
        return archive
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func deletedRowIsCaught(_ backend: Backend) throws {
        let archive = try filledArchive(backend)
        try archive.tamper("DELETE FROM entries WHERE idx = 17")
        let report = try archive.audit()
        #expect(!report.ok)
        #expect(report.firstBadIndex == 17)
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func alteredRowIsCaughtEvenWithRecomputedLeafAndNodes(_ backend: Backend) throws {
        let archive = try filledArchive(backend)
        // The attacker rewrites the entry and its stored leaf hash; the signed roots still differ.
        try archive.tamper("UPDATE entries SET data = \(archive.bytes("01010000")), leaf_hash = \(archive.bytes("00")) WHERE idx = 23")
        let report = try archive.audit()
        #expect(!report.ok)
        #expect(report.firstBadIndex == 23)
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func reorderedRowsAreCaught(_ backend: Backend) throws {
        let archive = try filledArchive(backend)
        try archive.tamper("""
            UPDATE entries SET idx = -1 WHERE idx = 30; UPDATE entries SET idx = 30 WHERE idx = 31;
            UPDATE entries SET idx = 31 WHERE idx = -1;
            """)
        let report = try archive.audit()
        #expect(!report.ok)
        #expect(report.firstBadIndex == 30)
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func insertedRowIsCaught(_ backend: Backend) throws {
        let archive = try filledArchive(backend)
        try archive.tamper("INSERT INTO entries (idx, kind, data, leaf_hash, committed_at) SELECT 40, kind, data, leaf_hash, 0 FROM entries WHERE idx = 3")
        let report = try archive.audit()
        #expect(!report.ok)
        #expect(report.firstBadIndex == 40, "\(report.problems)")
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func truncatedLogIsCaught(_ backend: Backend) throws {
        let archive = try filledArchive(backend)
        try archive.tamper("DELETE FROM entries WHERE idx >= 35")
        #expect(try archive.audit().firstBadIndex == 35)
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func fullyTruncatedHistoryIsCaughtWithASavedCheckpoint(_ backend: Backend) throws {
        let archive = try filledArchive(backend)
        let saved = try #require(try archive.store.latestCheckpoint()).note
        // Remove the tail and its checkpoints consistently (the head row too, where there is
        // one): only a saved checkpoint can tell.
        try archive.tamper("""
            DELETE FROM entries WHERE idx >= 30; DELETE FROM checkpoints WHERE size > 30;
            DELETE FROM nodes WHERE (idx + 1) * (1 << level) > 30;
            """ + (backend == .postgresql ? "UPDATE tree_head SET size = 30, root = (SELECT root FROM checkpoints WHERE size = 30), frontier = NULL;" : ""))
        #expect(try archive.audit().ok)
        let report = try archive.audit(saved: saved)
        #expect(!report.ok)
        #expect(report.problems.contains { $0.reason.contains("truncated") })
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func forkedCheckpointIsCaught(_ backend: Backend) throws {
        let archive = try filledArchive(backend)
        // A checkpoint of the same size with another root, validly signed by the log key.
        let fork = Checkpoint(origin: "seal.test/archive", size: 20, rootHash: DigestAlgorithm.sha256.hash(Array("fork".utf8)))
        let forkNote = try archive.signer.sign(fork.text)
        let report = try archive.audit(saved: forkNote)
        #expect(!report.ok)
        #expect(report.problems.contains { $0.reason.contains("rewritten") })
        // And stored in the archive in place of the honest one.
        try archive.tamper("UPDATE checkpoints SET root = \(archive.bytes(fork.rootHash.hex)), note = '\(forkNote.replacingOccurrences(of: "'", with: "''"))' WHERE size = 20")
        let stored = try archive.audit()
        #expect(!stored.ok)
        #expect(stored.problems.contains { $0.checkpointSize == 20 })
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func alteredCheckpointSignatureOrNodeIsCaught(_ backend: Backend) throws {
        let archive = try filledArchive(backend)
        try archive.tamper("UPDATE checkpoints SET note = replace(note, '\n15\n', '\n16\n') WHERE size = 15")
        #expect(try archive.audit().problems.contains { $0.checkpointSize == 15 })
        let other = try filledArchive(backend)
        try other.tamper("UPDATE nodes SET hash = \(other.bytes(String(repeating: "00", count: 32))) WHERE level = 2 AND idx = 3")
        #expect(try !other.audit().ok)
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func uncheckpointedEntriesAreCaught(_ backend: Backend) throws {
        let archive = try filledArchive(backend)
        try archive.tamper("DELETE FROM checkpoints WHERE size = 40")
        let report = try archive.audit()
        #expect(!report.ok)
        #expect(report.problems.contains { $0.reason.contains("not covered") })
    }
}

/// The lookup tables beside the log (signature hashes, document revocations, CRLs, commit
/// times), tampered with on either backend: the audit names the entry and lookups refuse.
@Suite struct DerivedIndexTamperTests {
    /// 40 seal entries in 8 batches, then a revocation of entry 3 (entry 40) and a CRL (entry 41),
    /// each in a batch of its own; checked clean first.
    func archiveWithRevocations(_ backend: Backend) throws -> ScratchStorage {
        let archive = try ScratchStorage(backend)
        try archive.fill(40, batch: 5)
        try archive.appendRevocation(of: 3)
        try archive.appendRevocationList()
        let report = try archive.audit()
        #expect(report.ok, "\(report.problems)")
        #expect(try archive.store.documentRevocation(of: 3)?.index == 40)
        #expect(try archive.store.latestRevocationList()?.index == 41)
        return archive
    }

    func problems(_ archive: ScratchStorage) throws -> [AuditProblem] {
        let report = try archive.audit()
        #expect(!report.ok)
        return report.problems
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func removedCheckpointOfAnAppendIsCaught(_ backend: Backend) throws {
        let archive = try archiveWithRevocations(backend)
        try archive.tamper("DELETE FROM checkpoints WHERE size = 20")
        let found = try problems(archive)
        #expect(found == [AuditProblem(index: 20, checkpointSize: 20,
                                       reason: "no checkpoint is stored for the append that ended before this entry: a checkpoint was removed")])
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func commitTimesGrowFromAppendToAppend(_ backend: Backend) throws {
        let archive = try ScratchStorage(backend)
        let now = Date()
        // Three appends in the same millisecond still get three commit times.
        for n in 0..<3 { _ = try archive.store.append([ScratchArchive.entry(n)], signer: archive.signer, now: now) }
        var times: [Int] = []
        try archive.store.forEachEntry { times.append($0.indexed?.committedAt ?? -1) }
        #expect(times.count == 3 && Set(times).count == 3 && times == times.sorted())
        #expect(try archive.audit().ok)
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func changedKindColumnIsCaught(_ backend: Backend) throws {
        let archive = try archiveWithRevocations(backend)
        try archive.tamper("UPDATE entries SET kind = 3 WHERE idx = 12")
        #expect(try problems(archive).map(\.index) == [12])
        // The newest CRL by kind is now entry 41 still, but a seal that claims to be a CRL after
        // it would not be: the two CRL lookups disagree.
        try archive.tamper("UPDATE entries SET kind = 1 WHERE idx = 41")
        #expect(throws: ArchiveError.damaged("the CRL index and the log disagree about the newest CRL; run `seal audit`")) {
            try archive.store.latestRevocationList()
        }
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func hiddenRevocationEntryIsCaughtAndNotMissed(_ backend: Backend) throws {
        let archive = try archiveWithRevocations(backend)
        try archive.tamper("UPDATE entries SET kind = 1 WHERE idx = 40")
        #expect(try problems(archive).map(\.index) == [40])
        #expect(throws: ArchiveError.damaged("the document-revocation index and the log disagree about entry 3; run `seal audit`")) {
            try archive.store.documentRevocation(of: 3)
        }
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func changedSignatureHashIsCaught(_ backend: Backend) throws {
        let archive = try archiveWithRevocations(backend)
        try archive.tamper("UPDATE entries SET signature_hash = \(archive.bytes(String(repeating: "00", count: 32))) WHERE idx = 9")
        #expect(try problems(archive) == [AuditProblem(index: 9, checkpointSize: nil, reason: "the signature-hash index differs from the entry")])
        let other = try archiveWithRevocations(backend)
        try other.tamper("UPDATE entries SET signature_hash = \(other.bytes(String(repeating: "00", count: 32))) WHERE idx = 41")
        #expect(try problems(other).map(\.index) == [41])
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func deletedRevocationIndexRowIsCaughtAndNotMissed(_ backend: Backend) throws {
        let archive = try archiveWithRevocations(backend)
        try archive.tamper("DELETE FROM document_revocations")
        #expect(try problems(archive) == [AuditProblem(index: 40, checkpointSize: nil,
                                                       reason: "the document-revocation index does not record this entry's revocation of entry 3")])
        #expect(throws: ArchiveError.damaged("the document-revocation index and the log disagree about entry 3; run `seal audit`")) {
            try archive.store.documentRevocation(of: 3)
        }
        #expect(throws: ArchiveError.damaged("the document-revocation index and the log disagree; run `seal audit`")) {
            try archive.store.documentRevocations()
        }
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func redirectedRevocationIndexRowIsCaught(_ backend: Backend) throws {
        let archive = try archiveWithRevocations(backend)
        try archive.tamper("UPDATE document_revocations SET target_idx = 4")
        #expect(try problems(archive).count == 2)
        #expect(throws: ArchiveError.self) { try archive.store.documentRevocation(of: 3) }
        #expect(throws: ArchiveError.self) { try archive.store.documentRevocation(of: 4) }
        let other = try archiveWithRevocations(backend)
        try other.tamper("UPDATE document_revocations SET entry_idx = 7")
        #expect(try problems(other).map(\.index) == [40, 7])
        #expect(throws: ArchiveError.self) { try other.store.documentRevocation(of: 3) }
    }

    @Test(arguments: ArchiveStorageTests.backends)
    func changedCRLIndexIsCaught(_ backend: Backend) throws {
        let archive = try archiveWithRevocations(backend)
        try archive.tamper("DELETE FROM revocation_lists")
        #expect(try problems(archive) == [AuditProblem(index: 41, checkpointSize: nil, reason: "the CRL index does not record this entry's CRL")])
        #expect(throws: ArchiveError.damaged("the CRL index and the log disagree about the newest CRL; run `seal audit`")) {
            try archive.store.latestRevocationList()
        }
        let other = try archiveWithRevocations(backend)
        try other.tamper("INSERT INTO revocation_lists (entry_idx) VALUES (15)")
        #expect(try problems(other) == [AuditProblem(index: 15, checkpointSize: nil, reason: "the CRL index says this entry holds a CRL; the log does not")])
    }
}
