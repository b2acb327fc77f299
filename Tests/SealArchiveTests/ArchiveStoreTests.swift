import Foundation
import Testing
import SealCore
@testable import SealArchive
import SealTestSupport

/// What only the SQLite store does; the contract both backends keep is in `ArchiveStorageTests`.
@Suite struct ArchiveStoreTests {
    @Test func reopenedStoreContinuesTheSameTree() throws {
        let archive = try ScratchArchive()
        try archive.fill(10, batch: 4)
        let reopened = try ArchiveStore(url: archive.url)
        _ = try reopened.append([ScratchArchive.entry(10)], signer: archive.signer)
        #expect(try reopened.size == 11)
        #expect(try archive.audit().ok)
    }

    @Test func storeUsesWALWithFullSyncAndVersionedSchema() throws {
        let archive = try ScratchArchive()
        let database = try SQLiteDatabase(path: archive.url.path, readOnly: false)
        let mode = try database.prepare("PRAGMA journal_mode")
        #expect(try mode.step() && mode.text(0) == "wal")
        #expect(try database.userVersion == ArchiveStore.schemaVersion)
        // synchronous is per connection: the store's own connection sets FULL (2).
        let sync = try archive.store.database.prepare("PRAGMA synchronous")
        #expect(try sync.step() && sync.int(0) == 2)
    }

    @Test func entriesRoundTripTheirCanonicalEncoding() throws {
        let entry = ScratchArchive.entry(5).entry
        #expect(try ArchiveEntry(decoding: entry.encoded) == entry)
        #expect(throws: ArchiveError.self) { try ArchiveEntry(decoding: entry.encoded + [0]) }
        #expect(throws: ArchiveError.self) { try ArchiveEntry(decoding: Array(entry.encoded.dropLast())) }
        #expect(throws: ArchiveError.self) { try ArchiveEntry(decoding: [2] + entry.encoded.dropFirst()) }
        #expect(throws: ArchiveError.self) { try ArchiveEntry(decoding: []) }
    }

    @Test func receiptsRoundTripAndRefuseGarbage() throws {
        let receipt = Receipt(salt: secureRandomBytes(32), index: 3, treeSize: 9, leafHash: secureRandomBytes(32),
                              proof: [secureRandomBytes(32), secureRandomBytes(32)], checkpoint: "log\n9\nAAAA\n\n— log AAAA\n")
        #expect(try Receipt(der: receipt.der) == receipt)
        #expect(throws: ArchiveError.self) { try Receipt(der: Array(receipt.der.dropLast())) }
        #expect(throws: ArchiveError.self) { try Receipt(der: receipt.der + [0]) }
        #expect(throws: ArchiveError.self) { try Receipt(der: []) }
        #expect(throws: ArchiveError.self) { try Receipt(der: Array(repeating: 0x30, count: 100)) }
    }

    @Test func crashInsideATransactionLeavesTheLastCommittedState() throws {
        let archive = try ScratchArchive()
        try archive.fill(20, batch: 5)
        // A writer process that dies mid-batch: rows written, no commit, killed with SIGKILL.
        let script = """
            import os, sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("BEGIN IMMEDIATE")
            for i in range(20, 40):
                db.execute("INSERT INTO entries (idx, kind, data, leaf_hash, committed_at) VALUES (?, 1, ?, ?, 0)", (i, b"x", b"y"))
                db.execute("INSERT INTO nodes (level, idx, hash) VALUES (0, ?, ?)", (i, b"z" * 32))
            os.kill(os.getpid(), 9)
            """
        let output = try TestSupport.run("python3", ["-c", script, archive.url.path])
        #expect(output.status != 0)
        let report = try archive.audit()
        #expect(report.ok, "\(report.problems)")
        #expect(report.entries == 20)
        // The archive keeps working after recovery.
        let reopened = try ArchiveStore(url: archive.url)
        _ = try reopened.append([ScratchArchive.entry(20)], signer: archive.signer)
        #expect(try archive.audit().entries == 21)
    }
}

@Suite struct AuditTamperTests {
    /// A fresh archive of 40 entries in 8 batches, checked clean first.
    func filledArchive() throws -> ScratchArchive {
        let archive = try ScratchArchive()
        try archive.fill(40, batch: 5)
        #expect(try archive.audit().ok)
        return archive
    }

    @Test func deletedRowIsCaught() throws {
        let archive = try filledArchive()
        try archive.tamper("DELETE FROM entries WHERE idx = 17")
        let report = try archive.audit()
        #expect(!report.ok)
        #expect(report.firstBadIndex == 17)
    }

    @Test func alteredRowIsCaughtEvenWithRecomputedLeafAndNodes() throws {
        let archive = try filledArchive()
        // The attacker rewrites the entry and its stored leaf hash; the signed roots still differ.
        try archive.tamper("UPDATE entries SET data = X'01010000', leaf_hash = X'00' WHERE idx = 23")
        let report = try archive.audit()
        #expect(!report.ok)
        #expect(report.firstBadIndex == 23)
    }

    @Test func reorderedRowsAreCaught() throws {
        let archive = try filledArchive()
        try archive.tamper("""
            UPDATE entries SET idx = -1 WHERE idx = 30; UPDATE entries SET idx = 30 WHERE idx = 31;
            UPDATE entries SET idx = 31 WHERE idx = -1;
            """)
        let report = try archive.audit()
        #expect(!report.ok)
        #expect(report.firstBadIndex == 30)
    }

    @Test func insertedRowIsCaught() throws {
        let archive = try filledArchive()
        try archive.tamper("INSERT INTO entries (idx, kind, data, leaf_hash, committed_at) SELECT 40, kind, data, leaf_hash, 0 FROM entries WHERE idx = 3")
        let report = try archive.audit()
        #expect(!report.ok)
        #expect(report.firstBadIndex == 40, "\(report.problems)")
    }

    @Test func truncatedLogIsCaught() throws {
        let archive = try filledArchive()
        try archive.tamper("DELETE FROM entries WHERE idx >= 35")
        #expect(try archive.audit().firstBadIndex == 35)
    }

    @Test func fullyTruncatedHistoryIsCaughtWithASavedCheckpoint() throws {
        let archive = try filledArchive()
        let saved = try #require(try archive.store.latestCheckpoint()).note
        // Remove the tail and its checkpoints consistently: only a saved checkpoint can tell.
        try archive.tamper("""
            DELETE FROM entries WHERE idx >= 30; DELETE FROM checkpoints WHERE size > 30;
            DELETE FROM nodes WHERE (idx + 1) * (1 << level) > 30;
            """)
        #expect(try archive.audit().ok)
        let report = try archive.audit(saved: saved)
        #expect(!report.ok)
        #expect(report.problems.contains { $0.reason.contains("truncated") })
    }

    @Test func forkedCheckpointIsCaught() throws {
        let archive = try filledArchive()
        let honest = try #require(try archive.store.checkpoint(size: 20))
        // A checkpoint of the same size with another root, validly signed by the log key.
        let fork = Checkpoint(origin: "seal.test/archive", size: 20, rootHash: DigestAlgorithm.sha256.hash(Array("fork".utf8)))
        let forkNote = try archive.signer.sign(fork.text)
        let report = try archive.audit(saved: forkNote)
        #expect(!report.ok)
        #expect(report.problems.contains { $0.reason.contains("rewritten") })
        // And stored in the archive in place of the honest one.
        try archive.tamper("UPDATE checkpoints SET root = X'\(fork.rootHash.hex)', note = '\(forkNote.replacingOccurrences(of: "'", with: "''"))' WHERE size = 20")
        let stored = try archive.audit()
        #expect(!stored.ok)
        #expect(stored.problems.contains { $0.checkpointSize == 20 })
        _ = honest
    }

    @Test func alteredCheckpointSignatureOrNodeIsCaught() throws {
        let archive = try filledArchive()
        try archive.tamper("UPDATE checkpoints SET note = replace(note, '\n15\n', '\n16\n') WHERE size = 15")
        #expect(try archive.audit().problems.contains { $0.checkpointSize == 15 })
        let other = try filledArchive()
        try other.tamper("UPDATE nodes SET hash = zeroblob(32) WHERE level = 2 AND idx = 3")
        #expect(try !other.audit().ok)
    }

    @Test func uncheckpointedEntriesAreCaught() throws {
        let archive = try filledArchive()
        try archive.tamper("DELETE FROM checkpoints WHERE size = 40")
        let report = try archive.audit()
        #expect(!report.ok)
        #expect(report.problems.contains { $0.reason.contains("not covered") })
    }
}

@Suite struct MigrationTests {
    @Test func aVersion1ArchiveIsMigratedInPlace() throws {
        let folder = try TestSupport.scratchDirectory("migrate")
        defer { TestSupport.cleanUp(folder) }
        let url = folder.appendingPathComponent("archive.sqlite")
        // An archive as version 1 of the schema left it, with one entry and its checkpoint.
        let signer = try NoteSigner(name: "seal.test/archive", key: try Ed25519PrivateKey.generate())
        do {
            let old = try SQLiteDatabase(path: url.path, readOnly: false)
            try old.execute("PRAGMA journal_mode=WAL")
            try old.execute(ArchiveStore.migrations[0])
            try old.execute("PRAGMA user_version = 1")
        }
        _ = try ArchiveStore(url: url).append([ScratchArchive.entry(0)], signer: signer)
        let database = try SQLiteDatabase(path: url.path, readOnly: true)
        #expect(try database.userVersion == ArchiveStore.schemaVersion)
        let tables = try database.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        var names: [String] = []
        while try tables.step() { names.append(tables.text(0)) }
        #expect(names.contains("document_revocations") && names.contains("notes"))
        let report = try Auditor(logKey: signer.verifierKey, trust: nil).audit(try ArchiveStore(url: url, readOnly: true))
        #expect(report.ok && report.entries == 1)
        // A schema newer than this program is refused, not silently used.
        try database.execute("SELECT 1")
        let newer = try SQLiteDatabase(path: url.path, readOnly: false)
        try newer.execute("PRAGMA user_version = 99")
        #expect(throws: ArchiveError.self) { try ArchiveStore(url: url) }
    }
}

/// The checkpoint cache answers only for the exact note and keys it verified.
@Suite struct VerifiedCheckpointCacheTests {
    @Test func tamperedNotesAndOtherKeysAreNeverAnsweredFromTheCache() throws {
        let archive = try ScratchArchive()
        try archive.fill(3, batch: 3)
        let note = try #require(try archive.store.latestCheckpoint()).note
        let keys = [archive.signer.verifierKey]
        let cache = VerifiedCheckpoints()
        #expect(try cache.checkpoint(note: note, logKeys: keys).checkpoint.size == 3)
        #expect(try cache.checkpoint(note: note, logKeys: keys).checkpoint.size == 3)
        var lines = note.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[1] = "4"
        #expect(throws: SignedCheckpoint.OpenError.self) { try cache.checkpoint(note: lines.joined(separator: "\n"), logKeys: keys) }
        let otherKey = try NoteSigner(name: "seal.test/archive", key: try Ed25519PrivateKey.generate()).verifierKey
        #expect(throws: SignedCheckpoint.OpenError.self) { try cache.checkpoint(note: note, logKeys: [otherKey]) }
    }
}

/// The store's derived tables and columns, changed one row at a time: the audit names the entry
/// (or checkpoint), and the lookups that decide verdicts refuse to answer instead of answering
/// wrongly.
@Suite struct DerivedIndexTamperTests {
    /// 40 seal entries in 8 batches, then a revocation of entry 3 (entry 40) and a CRL (entry 41),
    /// each in a batch of its own; checked clean first.
    func archiveWithRevocations() throws -> ScratchArchive {
        let archive = try ScratchArchive()
        try archive.fill(40, batch: 5)
        try archive.appendRevocation(of: 3)
        try archive.appendRevocationList()
        let report = try archive.audit()
        #expect(report.ok, "\(report.problems)")
        #expect(try archive.store.documentRevocation(of: 3)?.index == 40)
        #expect(try archive.store.latestRevocationList()?.index == 41)
        return archive
    }

    func problems(_ archive: ScratchArchive) throws -> [AuditProblem] {
        let report = try archive.audit()
        #expect(!report.ok)
        return report.problems
    }

    @Test func removedCheckpointOfAnAppendIsCaught() throws {
        let archive = try archiveWithRevocations()
        try archive.tamper("DELETE FROM checkpoints WHERE size = 20")
        let found = try problems(archive)
        #expect(found == [AuditProblem(index: 20, checkpointSize: 20,
                                       reason: "no checkpoint is stored for the append that ended before this entry: a checkpoint was removed")])
    }

    @Test func commitTimesGrowFromAppendToAppend() throws {
        let archive = try ScratchArchive()
        let now = Date()
        // Three appends in the same millisecond still get three commit times.
        for n in 0..<3 { _ = try archive.store.append([ScratchArchive.entry(n)], signer: archive.signer, now: now) }
        var times: [Int] = []
        try archive.store.forEachEntry { times.append($0.indexed?.committedAt ?? -1) }
        #expect(times.count == 3 && Set(times).count == 3 && times == times.sorted())
        #expect(try archive.audit().ok)
    }

    @Test func changedKindColumnIsCaught() throws {
        let archive = try archiveWithRevocations()
        try archive.tamper("UPDATE entries SET kind = 3 WHERE idx = 12")
        #expect(try problems(archive).map(\.index) == [12])
        // The newest CRL by kind is now entry 41 still, but a seal that claims to be a CRL after
        // it would not be: the two CRL lookups disagree.
        try archive.tamper("UPDATE entries SET kind = 1 WHERE idx = 41")
        #expect(throws: ArchiveError.damaged("the CRL index and the log disagree about the newest CRL; run `seal audit`")) {
            try archive.store.latestRevocationList()
        }
    }

    @Test func hiddenRevocationEntryIsCaughtAndNotMissed() throws {
        let archive = try archiveWithRevocations()
        try archive.tamper("UPDATE entries SET kind = 1 WHERE idx = 40")
        #expect(try problems(archive).map(\.index) == [40])
        #expect(throws: ArchiveError.damaged("the document-revocation index and the log disagree about entry 3; run `seal audit`")) {
            try archive.store.documentRevocation(of: 3)
        }
    }

    @Test func changedSignatureHashIsCaught() throws {
        let archive = try archiveWithRevocations()
        try archive.tamper("UPDATE entries SET signature_hash = zeroblob(32) WHERE idx = 9")
        #expect(try problems(archive) == [AuditProblem(index: 9, checkpointSize: nil, reason: "the signature-hash index differs from the entry")])
        let other = try archiveWithRevocations()
        try other.tamper("UPDATE entries SET signature_hash = zeroblob(32) WHERE idx = 41")
        #expect(try problems(other).map(\.index) == [41])
    }

    @Test func deletedRevocationIndexRowIsCaughtAndNotMissed() throws {
        let archive = try archiveWithRevocations()
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

    @Test func redirectedRevocationIndexRowIsCaught() throws {
        let archive = try archiveWithRevocations()
        try archive.tamper("UPDATE document_revocations SET target_idx = 4")
        #expect(try problems(archive).count == 2)
        #expect(throws: ArchiveError.self) { try archive.store.documentRevocation(of: 3) }
        #expect(throws: ArchiveError.self) { try archive.store.documentRevocation(of: 4) }
        let other = try archiveWithRevocations()
        try other.tamper("UPDATE document_revocations SET entry_idx = 7")
        #expect(try problems(other).map(\.index) == [40, 7])
        #expect(throws: ArchiveError.self) { try other.store.documentRevocation(of: 3) }
    }

    @Test func changedCRLIndexIsCaught() throws {
        let archive = try archiveWithRevocations()
        try archive.tamper("DELETE FROM revocation_lists")
        #expect(try problems(archive) == [AuditProblem(index: 41, checkpointSize: nil, reason: "the CRL index does not record this entry's CRL")])
        #expect(throws: ArchiveError.damaged("the CRL index and the log disagree about the newest CRL; run `seal audit`")) {
            try archive.store.latestRevocationList()
        }
        let other = try archiveWithRevocations()
        try other.tamper("INSERT INTO revocation_lists (entry_idx) VALUES (15)")
        #expect(try problems(other) == [AuditProblem(index: 15, checkpointSize: nil, reason: "the CRL index says this entry holds a CRL; the log does not")])
    }

    /// The log side of a revocation lookup searches the partial index, not every revocation.
    @Test func revocationLookupUsesTheTargetIndex() throws {
        let archive = try archiveWithRevocations()
        let database = try SQLiteDatabase(path: archive.url.path, readOnly: true)
        let plan = try database.prepare("EXPLAIN QUERY PLAN " + ArchiveStore.revocationByTarget)
        try plan.bind([.blob([0, 0, 0, 0, 0, 0, 0, 3])])
        var details: [String] = []
        while try plan.step() { details.append(plan.text(3)) }
        #expect(details.contains { $0.contains("USING INDEX revocations_by_target") }, "\(details)")
    }

    @Test func version2ArchiveGainsTheCRLIndex() throws {
        let archive = try archiveWithRevocations()
        // As version 2 left it: no CRL index. A read-only open upgrades it in place.
        try archive.tamper("DROP TABLE revocation_lists; DROP INDEX revocations_by_target; PRAGMA user_version = 2")
        let reader = try ArchiveStore(url: archive.url, readOnly: true)
        #expect(try reader.revocationListIndex() == [41])
        #expect(try archive.audit().ok)
    }
}
