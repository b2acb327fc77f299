import Foundation
import Testing
import SealCore
@testable import SealArchive
import SealArchivePostgres
import SealTestSupport

/// The store's contract, run against both backends: SQLite (one host) and PostgreSQL (a primary
/// with a synchronous standby, started by `PostgresFixture`).
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgresql
    var testDescription: String { rawValue }
}

/// A fresh archive on `backend`: `open()` gives another connection to the same archive.
final class ScratchStorage: @unchecked Sendable {
    let backend: Backend
    let signer: NoteSigner
    let open: @Sendable () throws -> any ArchiveStorage
    let store: any ArchiveStorage
    private let cleanUp: @Sendable () -> Void
    let database: (name: String, cluster: PostgresFixture.Cluster)?
    /// The SQLite file (SQLite only).
    let path: String

    init(_ backend: Backend) throws {
        self.backend = backend
        signer = try NoteSigner(name: "seal.test/archive", key: try Ed25519PrivateKey.generate())
        switch backend {
        case .sqlite:
            let folder = try TestSupport.scratchDirectory("storage")
            let url = folder.appendingPathComponent("archive.sqlite")
            open = { try ArchiveStore(url: url) }
            cleanUp = { TestSupport.cleanUp(folder) }
            database = nil
            path = url.path
        case .postgresql:
            let fresh = try PostgresFixture.freshDatabase()
            let location = try PostgresArchiveLocation(url: fresh.url)
            open = { try PostgresArchiveStore(location: location) }
            cleanUp = {}
            database = (fresh.database, fresh.cluster)
            path = ""
        }
        store = try open()
        _ = try store.append([], signer: signer)
    }

    deinit { cleanUp() }

    func fill(_ count: Int, batch: Int, into target: (any ArchiveStorage)? = nil) throws {
        let store = target ?? self.store
        var next = try store.size
        while next < count {
            let size = min(batch, count - next)
            _ = try store.append((next..<(next + size)).map(ScratchArchive.entry), signer: signer)
            next += size
        }
    }

    func audit(saved: String? = nil) throws -> AuditReport {
        try Auditor(logKey: signer.verifierKey, trust: nil).audit(try open(), savedCheckpoint: saved)
    }

    /// Runs raw SQL on the archive, as an attacker with write access would.
    func tamper(_ sql: String) throws {
        switch backend {
        case .sqlite: try SQLiteDatabase(path: path, readOnly: false).execute(sql)
        case .postgresql:
            let (name, cluster) = database!
            try PostgresFixture.sql(sql, database: name, cluster: cluster)
        }
    }

    /// A byte string literal in the backend's SQL.
    func bytes(_ hex: String) -> String {
        backend == .sqlite ? "X'\(hex)'" : "'\\x\(hex)'::bytea"
    }
}

@Suite struct ArchiveStorageTests {
    static let backends = Backend.allCases.filter { $0 != .postgresql || PostgresFixture.available }

    @Test(arguments: backends)
    func appendsKeepEveryCheckpointAndProofsVerify(_ backend: Backend) throws {
        let archive = try ScratchStorage(backend)
        try archive.fill(100, batch: 7)
        let checkpoints = try archive.store.allCheckpoints()
        #expect(checkpoints.map(\.size) == [0] + Array(stride(from: 7, to: 100, by: 7)) + [100])
        #expect(try archive.store.size == 100)
        // The store's tree matches one built in memory from the same leaves.
        var memory = MemoryHashStore(hasher: .sha256)
        for entry in try archive.store.entries(from: 0, count: 100) { memory.append(leafHash: entry.leafHash) }
        for size in [1, 2, 3, 7, 8, 50, 64, 99, 100] {
            let root = try archive.store.rootHash(size: size)
            #expect(root == (try MerkleProof.rootHash(size: size, reader: memory, hasher: .sha256)))
            for index in 0..<size {
                let proof = try archive.store.inclusionProof(index: index, size: size)
                let leaf = try archive.store.entries(from: index, count: 1)[0].leafHash
                #expect(MerkleVerify.inclusion(index: index, size: size, leafHash: leaf, proof: proof, root: root, hasher: .sha256))
            }
        }
        let consistency = try archive.store.consistencyProof(from: 7, to: 100)
        #expect(MerkleVerify.consistency(first: 7, second: 100, firstRoot: try archive.store.rootHash(size: 7),
                                         secondRoot: try archive.store.rootHash(size: 100), proof: consistency, hasher: .sha256))
        for checkpoint in checkpoints where checkpoint.size > 0 {
            let signed = try SignedCheckpoint(note: checkpoint.note, logKeys: [archive.signer.verifierKey], origin: "seal.test/archive")
            #expect(signed.checkpoint.rootHash == checkpoint.root)
        }
        #expect(try archive.store.checkpoints(from: 10, count: 2).map(\.size) == [14, 21])
        #expect(try archive.store.latestCheckpoint()?.size == 100)
        #expect(try archive.audit().ok)
    }

    @Test(arguments: backends)
    func batchProofsMatchStoredProofs(_ backend: Backend) throws {
        let archive = try ScratchStorage(backend)
        var next = 0
        for batch in [1, 2, 3, 5, 8, 1, 7, 16] {
            let appended = try archive.store.append((next..<next + batch).map(ScratchArchive.entry), signer: archive.signer, withProofs: true)
            next += batch
            #expect(appended.indexes == Array((next - batch)..<next))
            for (index, proof) in zip(appended.indexes, appended.proofs) {
                #expect(proof == (try archive.store.inclusionProof(index: index, size: next)), "index \(index) of \(next)")
            }
        }
    }

    /// A long-lived writer keeps appending correctly after another connection appended.
    @Test(arguments: backends)
    func writerFollowsAppendsFromAnotherConnection(_ backend: Backend) throws {
        let archive = try ScratchStorage(backend)
        try archive.fill(5, batch: 5)
        let other = try archive.open()
        _ = try other.append([ScratchArchive.entry(5), ScratchArchive.entry(6)], signer: archive.signer)
        let appended = try archive.store.append([ScratchArchive.entry(7)], signer: archive.signer)
        #expect(appended.indexes == [7])
        #expect(appended.checkpoint.checkpoint.size == 8)
        #expect(try archive.store.size == 8)
        #expect(try archive.audit().ok)
    }

    /// Seals are found by signature hash with their salt; revocations, CRLs and notes by index,
    /// and the lookup tables agree with the log.
    @Test(arguments: backends)
    func lookupsFindSealsRevocationsAndCRLs(_ backend: Backend) throws {
        let archive = try ScratchStorage(backend)
        let seal = ScratchArchive.entry(0)
        _ = try archive.store.append([seal, ScratchArchive.entry(1)], signer: archive.signer)
        guard case .seal(let sealed) = seal.entry else { Issue.record("not a seal"); return }
        let found = try #require(try archive.store.find(signatureHash: sealed.signatureHash))
        #expect(found.index == 0 && found.salt == seal.salt)
        #expect(try archive.store.find(signatureHash: [UInt8](repeating: 7, count: 32)) == nil)

        let leaf = try archive.store.entries(from: 0, count: 1)[0].leafHash
        let revocation = DocumentRevocation(target: .init(index: 0, leafHash: leaf), reason: .error, revokedAt: Date(timeIntervalSince1970: 1_800_000_000),
                                            replacement: nil, revokerCertificate: Array("certificate 0".utf8), signature: [1, 2, 3])
        _ = try archive.store.append([NewArchiveEntry(entry: .documentRevocation(revocation), salt: nil, note: "clerk's note")], signer: archive.signer)
        #expect(try archive.store.documentRevocation(of: 0)?.index == 2)
        #expect(try archive.store.documentRevocation(of: 1) == nil)
        #expect(try archive.store.documentRevocationIndex() == [0: 2])
        #expect(try archive.store.documentRevocations().map(\.index) == [2])
        #expect(try archive.store.note(of: 2) == "clerk's note")
        #expect(try archive.store.note(of: 1) == nil)
        #expect(throws: ArchiveError.invalidArgument("entry 0 is already revoked")) {
            try archive.store.append([NewArchiveEntry(entry: .documentRevocation(revocation), salt: nil)], signer: archive.signer)
        }
        #expect(try archive.store.size == 3, "the refused batch left nothing behind")
        let report = try archive.audit()
        #expect(report.ok, "\(report.problems)")

        #expect(try archive.store.latestRevocationList() == nil)
        let crl = ArchiveEntry.revocationList(IssuedRevocationList(crl: Array("a CRL".utf8)))
        _ = try archive.store.append([NewArchiveEntry(entry: crl, salt: nil)], signer: archive.signer, now: Date(),
                                     afterRevocationList: .some(nil), withProofs: false)
        #expect(try archive.store.latestRevocationList()?.index == 3)
        #expect(try archive.store.revocationListIndex() == [3])
        #expect(throws: ArchiveError.conflict("another CRL was issued meanwhile")) {
            try archive.store.append([NewArchiveEntry(entry: crl, salt: nil)], signer: archive.signer, now: Date(),
                                     afterRevocationList: .some(nil), withProofs: false)
        }
        #expect(try archive.store.size == 4)
    }

    /// Writers on separate connections appending at once: one dense log, every checkpoint
    /// signed over exactly the entries before it, and the audit passes.
    @Test(arguments: backends)
    func concurrentWritersLeaveOneDenseLog(_ backend: Backend) throws {
        let archive = try ScratchStorage(backend)
        let writers = try (0..<3).map { _ in try archive.open() }
        let failures = NSLock()
        nonisolated(unsafe) var errors: [String] = []
        DispatchQueue.concurrentPerform(iterations: 3) { writer in
            for batch in 0..<10 {
                let entries = (0..<4).map { ScratchArchive.entry(1000 * writer + 10 * batch + $0) }
                do { _ = try writers[writer].append(entries, signer: archive.signer) } catch {
                    failures.withLock { errors.append("\(error)") }
                }
            }
        }
        #expect(errors.isEmpty, "\(errors)")
        #expect(try archive.store.size == 120)
        #expect(try archive.store.entryCount() == 120)
        #expect(try archive.store.allCheckpoints().count == 31)
        let report = try archive.audit()
        #expect(report.ok, "\(report.problems)")
    }
}

/// What only the PostgreSQL store does: refuse a log that went back in time, and acknowledge
/// nothing the synchronous standby has not flushed.
@Suite(.serialized, .enabled(if: PostgresFixture.available)) struct PostgresArchiveTests {
    /// The database restored from an older backup (here: its newest batch removed by hand): an
    /// instance that saw the newer head refuses to sign, and says why; a new instance, which
    /// never saw it, cannot tell and goes on (that is for the auditors' saved checkpoints).
    @Test func anInstanceRefusesADatabaseThatWentBackInTime() throws {
        let archive = try ScratchStorage(.postgresql)
        try archive.fill(8, batch: 4)
        let (name, cluster) = try #require(archive.database)
        try PostgresFixture.rollBack(to: 4, database: name, cluster: cluster)
        do {
            _ = try archive.store.append([ScratchArchive.entry(8)], signer: archive.signer)
            Issue.record("an append went ahead on a log that went back in time")
        } catch {
            guard case .halted(let why) = error else { Issue.record("\(error)"); return }
            #expect(why.contains("does not extend the log this instance saw (size 8)"), "\(why)")
        }
        #expect(try archive.audit().ok, "the rolled-back archive is itself consistent")
        #expect(try PostgresFixture.sql("SELECT size FROM tree_head", database: name, cluster: cluster) == "4", "nothing was written")
        let fresh = try archive.open()
        #expect(try fresh.append([ScratchArchive.entry(4)], signer: archive.signer).indexes == [4])
    }

    /// With the standby stopped an append does not return (PostgreSQL holds the commit until the
    /// standby flushes it), so no seal is acknowledged; it completes once the standby is back.
    @Test func appendsStallWhileTheStandbyIsDown() throws {
        let cluster = try PostgresFixture.start()
        defer { PostgresFixture.stop(cluster) }
        let store = try PostgresArchiveStore(location: try PostgresArchiveLocation(url: cluster.url))
        let signer = try NoteSigner(name: "seal.test/archive", key: try Ed25519PrivateKey.generate())
        _ = try store.append([ScratchArchive.entry(0)], signer: signer)
        let script = TestSupport.repository.appendingPathComponent("Scripts/postgres-dev.sh").path
        #expect(try TestSupport.run(script, ["standby-stop", cluster.directory]).status == 0)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<Int, any Error>?
        Thread {
            outcome = Result { try store.append([ScratchArchive.entry(1)], signer: signer).indexes[0] }
            done.signal()
        }.start()
        #expect(done.wait(timeout: .now() + 3) == .timedOut, "an append returned while no standby could flush it")
        #expect(try TestSupport.run(script, ["standby-start", cluster.directory]).status == 0)
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(try outcome?.get() == 1)
    }

    /// A writer that chooses its batch under the log's lock holds every other writer until it
    /// commits, and a choice that fails (or an append that fails before choosing) writes nothing.
    @Test func aBatchIsChosenUnderTheLogsLock() throws {
        let archive = try ScratchStorage(.postgresql)
        try archive.fill(2, batch: 2)
        let other = try archive.open()
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<AppendedBatch, any Error>?
        let appended = try archive.store.append(choosing: { () throws(ArchiveError) -> ChosenBatch in
            // Another writer starts while this one holds the lock, and must wait for it.
            Thread {
                outcome = Result { try other.append([ScratchArchive.entry(3)], signer: archive.signer) }
                done.signal()
            }.start()
            let waited = done.wait(timeout: .now() + 1) == .timedOut
            return ChosenBatch(entries: waited ? [ScratchArchive.entry(2)] : [])
        }, signer: archive.signer, now: Date(), withProofs: true)
        #expect(appended.indexes == [2], "the other writer did not wait for the lock")
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(try outcome?.get().indexes == [3])

        #expect(throws: ArchiveError.invalidArgument("chosen badly")) {
            try archive.store.append(choosing: { () throws(ArchiveError) -> ChosenBatch in throw .invalidArgument("chosen badly") },
                                     signer: archive.signer, now: Date(), withProofs: false)
        }
        #expect(try archive.store.size == 4)
        #expect(try Self.advisoryLocks(archive) == "0", "a failed choice left no lock behind")
        #expect(try archive.store.append([ScratchArchive.entry(4)], signer: archive.signer).indexes == [4])
        #expect(try archive.audit().ok)
    }

    /// A database made at an older schema version gains what it lacks when a store opens it:
    /// version 1 the head row's right edge and commit time (filled by the first append), version
    /// 2 the function that takes the append lock with the head; the log goes on.
    @Test(arguments: [1, 2]) func anOlderDatabaseIsUpgradedInPlace(version: Int) throws {
        let archive = try ScratchStorage(.postgresql)
        try archive.fill(5, batch: 2)
        let (name, cluster) = try #require(archive.database)
        let older = version == 1 ? "ALTER TABLE tree_head DROP COLUMN frontier, DROP COLUMN created_at; " : ""
        try PostgresFixture.sql(older + "DROP FUNCTION seal_lock_head; UPDATE seal_schema SET version = \(version)", database: name, cluster: cluster)
        let reopened = try archive.open()
        #expect(try PostgresFixture.sql("SELECT version FROM seal_schema", database: name, cluster: cluster) == "3")
        #expect(try reopened.append([ScratchArchive.entry(5)], signer: archive.signer).indexes == [5])
        #expect(try PostgresFixture.sql("SELECT size, length(frontier), created_at > 0 FROM tree_head", database: name, cluster: cluster)
                == "6|64|t", "size 6 is two complete subtrees, 4 and 2")
        #expect(try archive.audit().ok)
    }

    /// The advisory locks this archive's sessions hold.
    static func advisoryLocks(_ archive: ScratchStorage) throws -> String {
        let (name, cluster) = try #require(archive.database)
        return try PostgresFixture.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'", database: name, cluster: cluster)
    }

    /// A write the server refuses (here an index already taken, as a damaged database might
    /// have) commits nothing and leaves the append lock free: the next append goes on once the
    /// damage is gone.
    @Test func aRefusedWriteCommitsNothingAndReleasesTheLock() throws {
        let archive = try ScratchStorage(.postgresql)
        try archive.fill(2, batch: 2)
        try archive.tamper("INSERT INTO entries (idx, kind, data, leaf_hash, committed_at) VALUES (2, 0, '\\x00', '\\x00', 0)")
        #expect {
            try archive.store.append([ScratchArchive.entry(2)], signer: archive.signer)
        } throws: { error in
            guard case .unavailable(let why) = error as? ArchiveError else { return false }
            return why.contains("duplicate key")
        }
        #expect(try Self.advisoryLocks(archive) == "0")
        #expect(try archive.store.size == 2)
        #expect(try archive.store.allCheckpoints().count == 2, "the empty tree's and size 2's")
        try archive.tamper("DELETE FROM entries WHERE idx = 2")
        #expect(try archive.open().append([ScratchArchive.entry(2)], signer: archive.signer).indexes == [2])
        #expect(try archive.audit().ok)
    }

    /// A head moved by a writer that does not take the append lock (an older seald, or a hand
    /// edit) between the read and the write: the compare-and-set fails, and none of the batch's
    /// rows is written (each insert waits for the head to move).
    @Test func aHeadMovedUnderTheLockWritesNothing() throws {
        let archive = try ScratchStorage(.postgresql)
        try archive.fill(2, batch: 2)
        #expect(throws: ArchiveError.conflict("the tree head moved during the append")) {
            try archive.store.append(choosing: { () throws(ArchiveError) -> ChosenBatch in
                do { try archive.tamper("UPDATE tree_head SET size = size + 1") } catch { throw .unavailable("\(error)") }
                return ChosenBatch(entries: [ScratchArchive.entry(2)])
            }, signer: archive.signer, now: Date(), withProofs: false)
        }
        #expect(try Self.advisoryLocks(archive) == "0")
        try archive.tamper("UPDATE tree_head SET size = size - 1")
        #expect(try archive.store.entryCount() == 2)
        #expect(try archive.store.allCheckpoints().count == 2)
        #expect(try archive.store.append([ScratchArchive.entry(2)], signer: archive.signer).indexes == [2])
        #expect(try archive.audit().ok)
    }

    /// The trap: a commit whose wait for the standby is cancelled (`pg_cancel_backend`, as an
    /// operator might) returns success with only a warning, which the client library drops. The
    /// store's own check of the standby's flushed position then refuses to acknowledge it; the
    /// next append, once the standby is back, goes on from the database's head.
    @Test func aCancelledWaitForTheStandbyIsNotAcknowledged() throws {
        let cluster = try PostgresFixture.start()
        defer { PostgresFixture.stop(cluster) }
        let store = try PostgresArchiveStore(location: try PostgresArchiveLocation(url: cluster.url), standbyTimeout: .seconds(2))
        let signer = try NoteSigner(name: "seal.test/archive", key: try Ed25519PrivateKey.generate())
        _ = try store.append([ScratchArchive.entry(0)], signer: signer)
        let script = TestSupport.repository.appendingPathComponent("Scripts/postgres-dev.sh").path
        #expect(try TestSupport.run(script, ["standby-stop", cluster.directory]).status == 0)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<AppendedBatch, ArchiveError>?
        Thread {
            outcome = Result { () throws(ArchiveError) in try store.append([ScratchArchive.entry(1)], signer: signer) }
            done.signal()
        }.start()
        #expect(done.wait(timeout: .now() + 1) == .timedOut)
        let cancelled = try PostgresFixture.sql(
            "SELECT count(*) FROM (SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep') AS c", cluster: cluster)
        #expect(cancelled == "1", "one commit waited for the standby")
        #expect(done.wait(timeout: .now() + 10) == .success)
        guard case .failure(.unavailable(let why)) = outcome else { Issue.record("acknowledged: \(String(describing: outcome))"); return }
        #expect(why.contains("no synchronous standby confirmed the commit"), "\(why)")
        #expect(try TestSupport.run(script, ["standby-start", cluster.directory]).status == 0)
        #expect(try store.append([ScratchArchive.entry(2)], signer: signer).indexes == [2], "the unconfirmed commit is in the primary's log")
    }

    @Test func locationsAreParsedAndPasswordsNeverComeFromTheURL() throws {
        let socket = try PostgresArchiveLocation(url: "postgresql://seald@localhost:5433/seal?host=/run/pg")
        #expect(socket.endpoint == .socket(path: "/run/pg/.s.PGSQL.5433"))
        #expect(socket.user == "seald" && socket.database == "seal" && socket.requiresStandby && socket.password == nil)
        let tcp = try PostgresArchiveLocation(url: "postgresql://seald@db.example/seal?synchronous=local")
        #expect(tcp.endpoint == .tcp(host: "db.example", port: 5432) && !tcp.requiresStandby)
        for bad in ["postgresql://seald:secret@db/seal", "mysql://seald@db/seal", "postgresql://db/seal", "postgresql://seald@db/",
                    "postgresql://seald@db/seal?sslmode=x", "postgresql://seald@db/seal?host=relative", "postgresql://seald@db/seal?synchronous=maybe"] {
            #expect(throws: ArchiveError.self, "\(bad)") { try PostgresArchiveLocation(url: bad) }
        }
        // A passfile: the first matching line; one that others can read is refused.
        let folder = try TestSupport.scratchDirectory("passfile")
        defer { TestSupport.cleanUp(folder) }
        let passfile = folder.appendingPathComponent("pgpass")
        try Data("other:*:*:*:no\ndb.example:5432:seal:seald:pa\\:ss\n".utf8).write(to: passfile)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passfile.path)
        let withPassword = try PostgresArchiveLocation(url: "postgresql://seald@db.example/seal?passfile=\(passfile.path)")
        #expect(withPassword.password == "pa:ss")
        #expect(!withPassword.description.contains("passfile") && !withPassword.description.contains("pa:ss"))
        #expect(try PostgresArchiveLocation(url: "postgresql://seald@db.example/seal", environment: ["PGPASSFILE": passfile.path]).password == "pa:ss")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: passfile.path)
        #expect(throws: ArchiveError.self) { try PostgresArchiveLocation(url: "postgresql://seald@db.example/seal?passfile=\(passfile.path)") }
    }
}
