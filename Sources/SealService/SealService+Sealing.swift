public import Foundation
public import SealCore
public import SealArchive
public import SealOFD
import NIOPosix

/// Sealing: the one pipeline every front end uses (CLI in-process, daemon, benchmark).
extension SealService {
    /// Seals `documents` with seal `sealName` in `format` (nil: the seal's own, see
    /// `DocumentFormat.detached(for:)`), archives them, and returns each
    /// result with its receipt, in order, once the archive holds it durably. Every document
    /// signs on the service's threads (`prepare`), and each `unitSize` consecutive ones go to
    /// the one writer together, in their order, while the next ones sign (`archive`); units that
    /// queue while the writer commits share a transaction (up to its `maxBatch`) and a
    /// checkpoint. At most `inFlight` documents are held at a time. The first failure stops what
    /// has not started and is thrown; units already committed stay archived.
    public func seal(_ documents: [DocumentInput], with sealName: String, format: DocumentFormat? = nil,
                     placement: StampPlacement = StampPlacement(), by caller: Caller = .directoryOwner,
                     inFlight: Int = 16 * unitSize) async throws(ServiceError) -> [Sealed] {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[Sealed], ServiceError>, Never>) in
            startSealing(documents, with: sealName, format: format, placement: placement, by: caller, inFlight: inFlight) {
                continuation.resume(returning: $0)
            }
        }
        return try result.get()
    }

    /// One document through `seal(_:with:format:by:inFlight:)`: what the daemon answers a request with.
    public func seal(_ document: DocumentInput, with sealName: String, format: DocumentFormat? = nil,
                     placement: StampPlacement = StampPlacement(), by caller: Caller = .directoryOwner) async throws(ServiceError) -> Sealed {
        guard let sealed = try await seal([document], with: sealName, format: format, placement: placement, by: caller).first else {
            throw .archive("the archive gave no answer")
        }
        return sealed
    }

    /// `seal(_:with:format:by:inFlight:)` for a synchronous caller (the CLI's operations, the
    /// benchmark): it waits on the calling thread. Safe on any thread, the cooperative pool's
    /// included, since the pipeline runs on the service's own threads and never awaits.
    public func seal(_ documents: [DocumentInput], with sealName: String, format: DocumentFormat? = nil,
                     placement: StampPlacement = StampPlacement(), by caller: Caller = .directoryOwner,
                     inFlight: Int = 16 * unitSize) throws(ServiceError) -> [Sealed] {
        let done = DispatchSemaphore(value: 0)
        let outcome = SealingOutcome()
        startSealing(documents, with: sealName, format: format, placement: placement, by: caller, inFlight: inFlight) { result in
            outcome.result = result
            done.signal()
        }
        done.wait()
        guard let result = outcome.result else { throw .archive("the sealing pipeline gave no answer") }
        return try result.get()
    }

    /// The pipeline itself, answering `done` once: the caller's access is checked on the
    /// service's threads, then documents are handed to them `inFlight` at a time, each next one
    /// as an earlier one is answered, so no thread ever waits for room.
    func startSealing(_ documents: [DocumentInput], with sealName: String, format requested: DocumentFormat?,
                      placement: StampPlacement, by caller: Caller,
                      inFlight: Int, then done: @escaping @Sendable (Result<[Sealed], ServiceError>) -> Void) {
        runtime.noteSealing()
        runtime.threads.submit { [self] state in
            guard case .active = state else { return done(.failure(.remote(.unavailable, "the service is shutting down"))) }
            do throws(ServiceError) {
                try authorize(caller, .seal(with: sealName))
                let format = if let requested { requested } else {
                    DocumentFormat.detached(for: try runtime.signers.signer(for: sealName, load: signer(for:)))
                }
                SealingBatch(documents: documents, unitSize: Self.unitSize, inFlight: max(Self.unitSize, inFlight),
                             prepare: { [self] document throws(ServiceError) in
                                 try prepare(document, with: sealName, format: format, placement: placement)
                             },
                             archive: { [self] unit, answer in archive(unit, format: format, then: answer) },
                             submit: { [runtime] work in runtime.threads.submit { work($0 == .active) } },
                             done: done).start()
            } catch {
                done(.failure(error))
            }
        }
    }

    /// The documents of a synchronous batch handed to the writer together. The writer starts on
    /// a unit only once all of it is signed, and what it does after the last unit is time the
    /// signing thread waits: with units of 64 a call of 64 PDFs signed, then waited while the
    /// writer archived all 64 and wrote their DSS revisions (the signing thread 75% busy, the
    /// writer 34%). Units that queue while the writer is busy still share one transaction and
    /// checkpoint, so a small unit costs a commit of its own only when the writer would have
    /// been idle. Measured with one signing thread, alternating builds (`seal-bench profile`):
    /// from units of 64 to 8, `pdf-seals` (calls of 64) 2,165–2,371 → 2,598–3,201 per second and
    /// `archived` (calls of 256) 6,696–7,906 → 6,964–8,591, five runs each; units of 4 gained
    /// nothing more.
    public static let unitSize = 8

    /// A seal made and ready to archive, with the writer it goes to.
    struct Prepared: Sendable {
        let preparation: Preparation
        let writer: GroupCommit
    }

    /// Stage one, on a service thread: the signer (loaded once and kept, see `SignerCache`), the
    /// format's preparation, the signature and the time-stamp.
    func prepare(_ document: DocumentInput, with sealName: String, format: DocumentFormat,
                 placement: StampPlacement) throws(ServiceError) -> Prepared {
        if case .digest = document, !format.sealsDigests { throw .invalidArgument("a \(format) seal needs the document, not its digest") }
        let signer = try runtime.signers.signer(for: sealName, load: signer(for:))
        let preparation = try format.prepare(document, with: signer, placement: placement) { () throws(ServiceError) in
            try pdfAssets(for: sealName, signer: signer)
        }
        return Prepared(preparation: preparation, writer: try writer())
    }

    /// Stage two: `unit` archived together through the writer, then each result with its
    /// receipt; `done` is called on the writer's thread.
    func archive(_ unit: [Prepared], format: DocumentFormat, then done: @escaping @Sendable (Result<[Sealed], ServiceError>) -> Void) {
        guard let writer = unit.first?.writer else { return done(.success([])) }
        writer.enqueue(unit.map { .seal($0.preparation.item) }) { committed in
            done(Result { () throws(ServiceError) -> [Sealed] in
                var sealed: [Sealed] = []
                for (prepared, result) in zip(unit, try committed.get()) {
                    guard case .receipt(let receipt) = result else { throw .archive("the archive answered a seal without a receipt") }
                    sealed.append(Sealed(format: format, bytes: try prepared.preparation.finish(receipt), receipt: receipt))
                }
                return sealed
            })
        }
    }

    /// A signer for seal `name` with its keys loaded, refusing a seal that is not currently
    /// valid. The pipeline caches what this returns.
    public func signer(for rawName: String) throws(ServiceError) -> SealSigner {
        let name = try SealName(rawName)
        let info = try info(name, now: clock())
        guard info.status == .active else { throw .sealNotUsable(name.value, info.statusDetail) }
        if let revoked = try isRevoked(info.certificate) {
            throw .sealNotUsable(name.value, "it was revoked (\(revoked.reason)) on \(revoked.revocationDate.rfc3339)")
        }
        let key = try loadKey(directory.sealKey(name))
        do {
            return try SealSigner(certificate: info.certificate, key: key, timeStampAuthority: try timeStampAuthority(),
                                  electronicSeal: try storedElectronicSeal(name), clock: clock)
        } catch let error as SealSigner.SetupError {
            throw .crypto(error.description)
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .crypto("\(error)")
        }
    }

    // MARK: the writer

    /// The one archive writer, started on first use (it loads the log key).
    func writer() throws(ServiceError) -> GroupCommit {
        try runtime.writer { () throws(ServiceError) in
            GroupCommit(writer: try archiveWriter(), configuration: runtime.configuration.groupCommit,
                        onBatch: runtime.configuration.onBatch)
        }
    }

    /// Starts the archive writer now, so that a long-running process with a wrong passphrase
    /// stops at start instead of failing its first write.
    public func startWriter() throws(ServiceError) { _ = try writer() }

    /// Commits what is pending and stops the writer; a later write starts it again.
    public func shutdown() { runtime.stopWriter() }

    /// For a process about to exit (the CLI): `shutdown`, then waits for the service's threads to
    /// end. The service does no more work after this.
    public func close() { runtime.close() }

    /// The archive held open for writing with the log key loaded.
    func archiveWriter() throws(ServiceError) -> ArchiveWriter {
        let runtime = self.runtime
        // Weak: the runtime holds the writer; a strong capture would keep both alive after the
        // service goes (and a SQLite writer's connection open, its WAL unfolded).
        let writer = ArchiveWriter(archive: try archive(), signer: try logSigner(), clock: clock, onHalt: { [weak runtime] in runtime?.noteHalted($0) })
        // A new shared (PostgreSQL) archive starts, as `seal init` starts a SQLite one, with a
        // signed checkpoint of the empty tree.
        if case .postgresql = archiveLocation {
            do {
                if try writer.archive.store.latestCheckpoint() == nil { _ = try writer.archive.store.append([], signer: writer.signer, now: clock()) }
            } catch { throw ServiceError(error) }
        }
        return writer
    }
}

/// Appends batches to the archive: what the group commit's thread calls.
final class ArchiveWriter: @unchecked Sendable {
    let archive: Archive
    let signer: NoteSigner
    let clock: @Sendable () -> Date
    /// Told when the archive halts (its log went back in time or forked under this writer).
    let onHalt: @Sendable (String) -> Void

    init(archive: Archive, signer: NoteSigner, clock: @escaping @Sendable () -> Date, onHalt: @escaping @Sendable (String) -> Void = { _ in }) {
        self.archive = archive
        self.signer = signer
        self.clock = clock
        self.onHalt = onHalt
    }

    /// One transaction, one new checkpoint, durable when it returns; the batch is chosen once
    /// the log's write lock is held (see `ArchiveStorage.append(choosing:…)`).
    func commit(choosing choose: @escaping @Sendable () -> [Archive.Pending]) throws(ServiceError) -> [Archive.Committed] {
        do { return try archive.append(choosing: choose, signer: signer, now: clock()) } catch {
            if case .halted = error { onHalt(error.description) }
            throw ServiceError(error)
        }
    }
}

/// One answer handed from the pipeline's threads to a waiting one (the semaphore orders them).
private final class SealingOutcome: @unchecked Sendable {
    var result: Result<[Sealed], ServiceError>?
}
