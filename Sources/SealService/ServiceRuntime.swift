public import Foundation
public import SealArchive
import NIOPosix

/// How a `SealService` runs its pipeline.
public struct ServiceConfiguration: Sendable {
    /// Batching of the one archive writer.
    public var groupCommit: GroupCommit.Configuration
    /// How long a loaded signer is reused before its seal is re-checked (see `SignerCache`).
    public var signerLifetime: TimeInterval
    /// Threads for blocking work (signing, SQLite, files, key derivation); also the most
    /// read connections kept open.
    public var threads: Int
    /// Called after every committed batch (metrics).
    public var onBatch: @Sendable (GroupCommit.BatchReport) -> Void
    /// Where the archive is; nil: `archive.sqlite` in the data directory.
    public var archive: ArchiveLocation?

    public init(groupCommit: GroupCommit.Configuration = .init(), signerLifetime: TimeInterval = 10, archive: ArchiveLocation? = nil,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                onBatch: @escaping @Sendable (GroupCommit.BatchReport) -> Void = { _ in }) {
        self.groupCommit = groupCommit
        self.signerLifetime = signerLifetime
        self.threads = max(1, threads)
        self.onBatch = onBatch
        self.archive = archive
    }
}

/// What a `SealService` keeps between operations: the threads blocking work runs on (never an
/// event loop or the cooperative pool), the one archive writer (started on first write, since
/// it needs the log key), a bounded set of open read connections, and the loaded signers.
final class ServiceRuntime: @unchecked Sendable {
    let configuration: ServiceConfiguration
    let threads: NIOThreadPool
    let signers: SignerCache
    /// Shared by the service's online verifications.
    let verificationCaches = SealService.VerificationCaches()
    private let lock = NSLock()
    private var writer: GroupCommit?
    private var idleReaders: [any ArchiveStorage] = []
    private var lastSealing = ContinuousClock.now - .seconds(3600)
    private var background: NIOThreadPool?

    private var halted: String?

    /// Records that the archive halted: `/healthz` reports it until the daemon restarts.
    func noteHalted(_ reason: String) { lock.withLock { halted = reason } }
    var haltedReason: String? { lock.withLock { halted } }

    /// Records that a sealing call started (what `sealingRecently` reports).
    func noteSealing() { lock.withLock { lastSealing = .now } }

    /// Whether a sealing call started within `window`: front ends that run other heavy work
    /// on these threads (the verification page) then leave room for sealing.
    func sealingRecently(within window: Duration = .milliseconds(250)) -> Bool {
        lock.withLock { ContinuousClock.now - lastSealing < window }
    }

    /// The data directory's access file, re-read when it changes.
    let access: AccessFile

    init(configuration: ServiceConfiguration, directory: DataDirectory) {
        self.configuration = configuration
        access = AccessFile(directory: directory)
        threads = NIOThreadPool(numberOfThreads: configuration.threads)
        threads.start()
        signers = SignerCache(lifetime: configuration.signerLifetime)
    }

    deinit {
        // Read connections close first, so that the writer's is the last: SQLite then folds the
        // WAL into the archive file and removes it, and a copy of the file alone is complete.
        idleReaders.removeAll()
        // Commits what is pending; the threads then end once their queue is empty.
        writer?.shutdown()
        threads.shutdownGracefully { _ in }
        background?.shutdownGracefully { _ in }
    }

    /// As many threads again, started on first use, each at the lowest priority: a thread of
    /// this pool runs only when no other thread of the process wants the CPU (nice 19 against
    /// 0 is a weight of 15 against 1,024 in Linux's scheduler). A pool of its own, because an
    /// unprivileged thread cannot raise its priority back.
    func backgroundThreads() -> NIOThreadPool {
        lock.withLock {
            if let background { return background }
            let pool = NIOThreadPool(numberOfThreads: configuration.threads)
            pool.start()
            background = pool
            return pool
        }
    }

    /// Gives the calling thread the lowest priority (Linux only: elsewhere nice is per process).
    /// Called before each background job (a system call of about a microsecond), since a pool
    /// does not say which of its threads takes a job.
    static func lowerThisThread() {
        #if os(Linux)
        // Linux keeps nice per thread; 0 names the calling one.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        #endif
    }

    /// The writer, started by `start` the first time.
    func writer(start: () throws(ServiceError) -> GroupCommit) throws(ServiceError) -> GroupCommit {
        lock.lock()
        defer { lock.unlock() }
        if let writer { return writer }
        let started = try start()
        writer = started
        return started
    }

    /// Stops the writer after committing what is pending; a later write starts it again.
    func stopWriter() {
        lock.lock()
        let stopping = writer
        writer = nil
        idleReaders.removeAll()
        lock.unlock()
        stopping?.shutdown()
    }

    /// For a process about to exit: stops the writer, closes the connections, and waits until
    /// every thread has ended, so that none still runs (with OpenSSL or SQLite) while the
    /// process tears its libraries down. The runtime does no more work after this.
    func close() {
        stopWriter()
        try? threads.syncShutdownGracefully()
        try? lock.withLock { background }?.syncShutdownGracefully()
    }

    /// Runs `body` with an open read connection, reusing up to `threads` of them.
    func withReader<T>(open: () throws(ServiceError) -> any ArchiveStorage,
                       _ body: (any ArchiveStorage) throws(ServiceError) -> T) throws(ServiceError) -> T {
        lock.lock()
        let idle = idleReaders.popLast()
        lock.unlock()
        let reader: any ArchiveStorage
        if let idle { reader = idle } else { reader = try open() }
        defer {
            lock.lock()
            if idleReaders.count < configuration.threads { idleReaders.append(reader) }
            lock.unlock()
        }
        return try body(reader)
    }

    /// Runs blocking `body` on the runtime's threads.
    func run<T: Sendable>(on pool: NIOThreadPool? = nil, _ body: @escaping @Sendable () throws(ServiceError) -> T) async throws(ServiceError) -> T {
        do {
            return try await (pool ?? threads).runIfActive { () throws -> T in try body() }
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .remote(.unavailable, "the service is shutting down")
        }
    }
}
