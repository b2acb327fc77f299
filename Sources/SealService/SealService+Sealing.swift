public import Foundation
public import SealCore
public import SealArchive
import NIOPosix

/// Sealing: the one pipeline every front end uses (CLI in-process, daemon, benchmark).
extension SealService {
    /// Seals `document` with seal `sealName` in `format`, archives it, and returns the result
    /// with its receipt once the archive holds it durably: `prepare` on the service's threads,
    /// then `archive` through the one writer, whose next batch it joins.
    public func seal(_ document: DocumentInput, with sealName: String, format: DocumentFormat = .detachedCAdES,
                     by caller: Caller = .directoryOwner) async throws(ServiceError) -> Sealed {
        let prepared = try await run { () throws(ServiceError) in
            try self.authorize(caller, .seal(with: sealName))
            return try self.prepare(document, with: sealName, format: format)
        }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[Sealed], ServiceError>, Never>) in
            archive([prepared], format: format) { continuation.resume(returning: $0) }
        }
        guard let sealed = try result.get().first else { throw .archive("the archive gave no answer") }
        return sealed
    }

    /// The same pipeline for a synchronous caller with many documents (the CLI, the benchmark):
    /// every document signs on the service's threads, and each `unitSize` consecutive ones go
    /// to the writer together, in their order, while the next ones sign. Units that queue while
    /// the writer commits are merged into one transaction (up to its `maxBatch`) under one
    /// checkpoint. At most `inFlight` documents are held at a time. The first failure stops what
    /// has not started and is thrown; units already committed stay archived.
    public func seal(_ documents: [DocumentInput], with sealName: String, format: DocumentFormat = .detachedCAdES,
                     by caller: Caller = .directoryOwner, inFlight: Int = 16 * unitSize) throws(ServiceError) -> [Sealed] {
        try authorize(caller, .seal(with: sealName))
        let batch = SealingBatch(count: documents.count, unitSize: Self.unitSize) { [self] unit, done in
            archive(unit, format: format, then: done)
        }
        let slots = DispatchSemaphore(value: max(Self.unitSize, inFlight))
        for (index, document) in documents.enumerated() {
            slots.wait()
            guard !batch.failed else { break }
            runtime.threads.submit { state in
                batch.prepared(index, Result { () throws(ServiceError) -> Prepared in
                    guard case .active = state else { throw .remote(.unavailable, "the service is shutting down") }
                    return try self.prepare(document, with: sealName, format: format)
                }, release: { slots.signal() })
            }
        }
        return try batch.wait()
    }

    /// The documents of a synchronous batch handed to the writer together. Small enough that
    /// the writer commits the first unit while the rest of a batch signs: with units of 256 a
    /// call of 256 signed, then waited for its commit (about 30% of its time, measured with one
    /// signing thread); with 64 the commits hide behind signing, and units that queue meanwhile
    /// still share a transaction and a checkpoint.
    public static let unitSize = 64

    /// A seal made and ready to archive, with the writer it goes to.
    struct Prepared: Sendable {
        let item: Archive.Item
        let writer: GroupCommit
    }

    /// Stage one, on a service thread: the signer (loaded once and kept, see `SignerCache`), the
    /// format's preparation, the signature and the time-stamp.
    func prepare(_ document: DocumentInput, with sealName: String, format: DocumentFormat) throws(ServiceError) -> Prepared {
        if case .digest = document, !format.sealsDigests { throw .invalidArgument("a \(format) seal needs the document, not its digest") }
        let signer = try runtime.signers.signer(for: sealName, load: signer(for:))
        return Prepared(item: try format.prepare(document, with: signer), writer: try writer())
    }

    /// Stage two: `unit` archived together through the writer, then each result with its
    /// receipt; `done` is called on the writer's thread.
    func archive(_ unit: [Prepared], format: DocumentFormat, then done: @escaping @Sendable (Result<[Sealed], ServiceError>) -> Void) {
        guard let writer = unit.first?.writer else { return done(.success([])) }
        writer.enqueue(unit.map { .seal($0.item) }) { committed in
            done(Result { () throws(ServiceError) -> [Sealed] in
                var sealed: [Sealed] = []
                for (prepared, result) in zip(unit, try committed.get()) {
                    guard case .receipt(let receipt) = result else { throw .archive("the archive answered a seal without a receipt") }
                    sealed.append(Sealed(format: format, bytes: try format.finish(prepared.item, archivedAs: receipt), receipt: receipt))
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
            return try SealSigner(certificate: info.certificate, key: key, timeStampAuthority: try timeStampAuthority(), clock: clock)
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

    /// The archive held open for writing with the log key loaded.
    func archiveWriter() throws(ServiceError) -> ArchiveWriter {
        ArchiveWriter(archive: try archive(), signer: try logSigner(), clock: clock)
    }
}

/// Appends batches to the archive: what the group commit's thread calls.
final class ArchiveWriter: @unchecked Sendable {
    let archive: Archive
    let signer: NoteSigner
    let clock: @Sendable () -> Date

    init(archive: Archive, signer: NoteSigner, clock: @escaping @Sendable () -> Date) {
        self.archive = archive
        self.signer = signer
        self.clock = clock
    }

    /// One transaction, one new checkpoint; durable when it returns.
    func commit(_ pending: [Archive.Pending]) throws(ServiceError) -> [Archive.Committed] {
        do { return try archive.append(pending, signer: signer, now: clock()) } catch { throw ServiceError(error) }
    }
}

/// A synchronous batch in flight: seals arrive from the service's threads in any order, leave
/// for the writer in their documents' order, a unit at a time, and are answered from the
/// writer's thread.
private final class SealingBatch: @unchecked Sendable {
    typealias Archiver = @Sendable ([SealService.Prepared], @escaping @Sendable (Result<[Sealed], ServiceError>) -> Void) -> Void

    private let lock = NSLock()
    private let count: Int
    private let unitSize: Int
    private let archive: Archiver
    private var ready: [Int: SealService.Prepared] = [:]
    /// How many documents of each unit are ready (by index / unitSize).
    private var readyInUnit: [Int: Int] = [:]
    private var releases: [Int: @Sendable () -> Void] = [:]
    /// The first document not yet handed to the writer.
    private var next = 0
    private var sealed: [Sealed?]
    private var answered = 0
    private var failure: ServiceError?
    private let finished = DispatchSemaphore(value: 0)

    init(count: Int, unitSize: Int, archive: @escaping Archiver) {
        self.count = count
        self.unitSize = unitSize
        self.archive = archive
        sealed = Array(repeating: nil, count: count)
        if count == 0 { finished.signal() }
    }

    var failed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return failure != nil
    }

    /// Document `index` is signed (or failed); `release` frees its place once it is answered.
    func prepared(_ index: Int, _ result: Result<SealService.Prepared, ServiceError>, release: @escaping @Sendable () -> Void) {
        lock.lock()
        releases[index] = release
        switch result {
        case .success(let prepared):
            ready[index] = prepared
            readyInUnit[index / unitSize, default: 0] += 1
        case .failure(let error): fail(error)
        }
        var units: [(Int, [SealService.Prepared])] = []
        // Hand on every complete unit at the front, and the last, shorter one.
        while failure == nil {
            let end = min(next + unitSize, count)
            guard next < end, readyInUnit[next / unitSize] == end - next else { break }
            readyInUnit[next / unitSize] = nil
            units.append((next, (next..<end).compactMap { ready.removeValue(forKey: $0) }))
            next = end
        }
        lock.unlock()
        for (start, unit) in units {
            archive(unit) { result in self.answer(start, unit.count, result) }
        }
    }

    private func answer(_ start: Int, _ size: Int, _ result: Result<[Sealed], ServiceError>) {
        lock.lock()
        switch result {
        case .success(let values): for (offset, value) in values.enumerated() { sealed[start + offset] = value }
        case .failure(let error): fail(error)
        }
        let freed = (start..<start + size).compactMap { releases.removeValue(forKey: $0) }
        answered += size
        let done = failure == nil && answered == count
        lock.unlock()
        freed.forEach { $0() }
        if done { finished.signal() }
    }

    /// Records the first failure and lets everything waiting go (caller holds the lock).
    private func fail(_ error: ServiceError) {
        guard failure == nil else { return }
        failure = error
        let waiting = releases.values
        releases.removeAll()
        ready.removeAll()
        readyInUnit.removeAll()
        DispatchQueue.global().async {
            waiting.forEach { $0() }
        }
        finished.signal()
    }

    func wait() throws(ServiceError) -> [Sealed] {
        finished.wait()
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
        return sealed.compactMap { $0 }
    }
}
