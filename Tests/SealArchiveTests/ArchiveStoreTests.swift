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
/// What only the SQLite store's derived indexes do; the tamper cases both backends share are in
/// `AuditTamperTests`.
@Suite struct DerivedIndexTests {
    func archiveWithRevocations() throws -> ScratchArchive {
        let archive = try ScratchArchive()
        try archive.fill(40, batch: 5)
        try archive.appendRevocation(of: 3)
        try archive.appendRevocationList()
        #expect(try archive.audit().ok)
        return archive
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
