import Foundation

/// A batch in flight: documents are prepared on the service's threads, at most `inFlight` at
/// a time (each answered one lets the next start), in any order; they leave for the writer in
/// their order, a unit at a time, and are answered from the writer's thread. `done` is called
/// once, with every result or the first failure. Generic over what it carries so that tests can
/// drive its threads and its writer (`SealingBatchTests`).
final class SealingBatch<Document: Sendable, Prepared: Sendable, Output: Sendable>: @unchecked Sendable {
    typealias Prepare = @Sendable (Document) throws(ServiceError) -> Prepared
    typealias Archiver = @Sendable ([Prepared], @escaping @Sendable (Result<[Output], ServiceError>) -> Void) -> Void
    /// Runs work on the service's threads; its argument says whether the service is still active.
    typealias Submit = @Sendable (@escaping @Sendable (Bool) -> Void) -> Void

    private let lock = NSLock()
    private let documents: [Document]
    private let unitSize: Int
    private let inFlight: Int
    private let prepare: Prepare
    private let archive: Archiver
    private let submit: Submit
    private let done: @Sendable (Result<[Output], ServiceError>) -> Void
    private var ready: [Int: Prepared] = [:]
    /// How many documents of each unit are ready (by index / unitSize).
    private var readyInUnit: [Int: Int] = [:]
    /// The first document not yet started, and the first not yet handed to the writer.
    private var nextToStart = 0
    private var next = 0
    private var sealed: [Output?]
    private var answered = 0
    private var failure: ServiceError?
    private var finished = false
    /// Complete units in document order, waiting to be handed to the writer, and whether a
    /// thread is handing them on. One thread at a time hands them, in order: two signing
    /// threads that each took units under the lock once handed them to the writer in the order
    /// they got there, and a batch's receipts came out of order (256–271 after 272–279).
    private var toHand: [(start: Int, unit: [Prepared])] = []
    private var handing = false

    init(documents: [Document], unitSize: Int, inFlight: Int, prepare: @escaping Prepare, archive: @escaping Archiver,
         submit: @escaping Submit, done: @escaping @Sendable (Result<[Output], ServiceError>) -> Void) {
        self.documents = documents
        self.unitSize = unitSize
        self.inFlight = inFlight
        self.prepare = prepare
        self.archive = archive
        self.submit = submit
        self.done = done
        sealed = Array(repeating: nil, count: documents.count)
    }

    /// Starts the first `inFlight` documents (or answers an empty batch).
    func start() {
        lock.lock()
        let starting = takeStarts(inFlight)
        let empty = documents.isEmpty && !finished
        if empty { finished = true }
        lock.unlock()
        if empty { done(.success([])) }
        starting.forEach(startDocument)
    }

    /// Up to `count` more documents to start (caller holds the lock).
    private func takeStarts(_ count: Int) -> Range<Int> {
        guard failure == nil else { return 0..<0 }
        let end = min(nextToStart + count, documents.count)
        defer { nextToStart = end }
        return nextToStart..<end
    }

    private func startDocument(_ index: Int) {
        submit { [self] active in
            let result = Result { () throws(ServiceError) -> Prepared in
                guard active else { throw .remote(.unavailable, "the service is shutting down") }
                return try prepare(documents[index])
            }
            prepared(index, result)
        }
    }

    /// Document `index` is signed (or failed): hand on every complete unit at the front, and
    /// the last, shorter one.
    private func prepared(_ index: Int, _ result: Result<Prepared, ServiceError>) {
        lock.lock()
        switch result {
        case .success(let prepared):
            ready[index] = prepared
            readyInUnit[index / unitSize, default: 0] += 1
        case .failure(let error): fail(error)
        }
        while failure == nil {
            let end = min(next + unitSize, documents.count)
            guard next < end, readyInUnit[next / unitSize] == end - next else { break }
            readyInUnit[next / unitSize] = nil
            toHand.append((next, (next..<end).compactMap { ready.removeValue(forKey: $0) }))
            next = end
        }
        let outcome = finish()
        let hands = !handing && !toHand.isEmpty
        if hands { handing = true }
        lock.unlock()
        outcome.map(done)
        if hands { handUnits() }
    }

    /// Hands the waiting units to the writer in order until none is left; the lock is not held
    /// while the writer takes them (it may answer at once, and `answer` takes the lock).
    private func handUnits() {
        while true {
            lock.lock()
            let units = toHand
            toHand = []
            if units.isEmpty { handing = false }
            lock.unlock()
            if units.isEmpty { return }
            for (start, unit) in units {
                archive(unit) { result in self.answer(start, unit.count, result) }
            }
        }
    }

    private func answer(_ start: Int, _ size: Int, _ result: Result<[Output], ServiceError>) {
        lock.lock()
        switch result {
        case .success(let values): for (offset, value) in values.enumerated() { sealed[start + offset] = value }
        case .failure(let error): fail(error)
        }
        answered += size
        let starting = takeStarts(size)
        let outcome = finish()
        lock.unlock()
        outcome.map(done)
        starting.forEach(startDocument)
    }

    /// Records the first failure: nothing more starts, and what is ready is dropped (caller
    /// holds the lock).
    private func fail(_ error: ServiceError) {
        guard failure == nil else { return }
        failure = error
        ready.removeAll()
        readyInUnit.removeAll()
    }

    /// The batch's outcome the first time it is known (caller holds the lock): the first failure
    /// at once, or every result once all are answered.
    private func finish() -> Result<[Output], ServiceError>? {
        guard !finished else { return nil }
        if let failure {
            finished = true
            return .failure(failure)
        }
        guard answered == documents.count else { return nil }
        finished = true
        return .success(sealed.compactMap { $0 })
    }
}
