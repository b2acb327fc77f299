import Foundation
import Testing
@testable import SealService

/// The batch pipeline with its threads and its writer in the test's hands: which thread hands
/// a unit to the writer, and when, is decided here rather than left to the scheduler.
@Suite struct SealingBatchTests {
    /// What the test's writer and threads saw, behind a lock.
    final class Record: @unchecked Sendable {
        private let lock = NSLock()
        private var _units: [[Int]] = []
        private var _inWriter = 0
        private var _mostInWriter = 0
        private var _work: [@Sendable (Bool) -> Void] = []
        private var _outcome: Result<[Int], ServiceError>?

        func locked<T>(_ body: () -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body()
        }
        var units: [[Int]] { locked { _units } }
        var mostInWriter: Int { locked { _mostInWriter } }
        var work: [@Sendable (Bool) -> Void] { locked { _work } }
        var outcome: Result<[Int], ServiceError>? { locked { _outcome } }
        func submitted(_ work: @escaping @Sendable (Bool) -> Void) { locked { _work.append(work) } }
        func enter(_ unit: [Int]) {
            locked {
                _units.append(unit)
                _inWriter += 1
                _mostInWriter = max(_mostInWriter, _inWriter)
            }
        }
        func leave() { locked { _inWriter -= 1 } }
        func finished(_ outcome: Result<[Int], ServiceError>) { locked { _outcome = outcome } }
    }

    /// While the writer takes unit 0 (held here), another thread completes unit 1: it leaves
    /// the unit queued for the thread already handing units on instead of entering the writer
    /// beside it, and the writer gets unit 1 after unit 0. Two signing threads once each handed
    /// their own units, and a batch's receipts came out of order (CI saw 272–279 before 256–271).
    @Test(.timeLimit(.minutes(1))) func unitsReachTheWriterOneCallAtATimeInDocumentOrder() throws {
        let record = Record()
        let writerHasUnitZero = DispatchSemaphore(value: 0), releaseWriter = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let batch = SealingBatch<Int, Int, Int>(
            documents: [10, 11, 12, 13], unitSize: 2, inFlight: 4,
            prepare: { $0 },
            archive: { unit, answer in
                record.enter(unit)
                if unit == [10, 11] {
                    writerHasUnitZero.signal()
                    releaseWriter.wait()
                }
                record.leave()
                answer(.success(unit.map { $0 * 2 }))
            },
            submit: { work in record.submitted(work) },
            done: { outcome in
                record.finished(outcome)
                finished.signal()
            })
        batch.start()
        let work = record.work
        #expect(work.count == 4)
        // Thread A signs documents 0 and 1, completing unit 0, and hands it to the writer.
        let handing = Thread { work[0](true); work[1](true) }
        handing.start()
        writerHasUnitZero.wait()
        // This thread signs documents 2 and 3 while the writer holds unit 0.
        work[2](true)
        work[3](true)
        #expect(record.units == [[10, 11]], "a second thread entered the writer beside the first")
        releaseWriter.signal()
        #expect(finished.wait(timeout: .now() + 30) == .success)
        #expect(record.units == [[10, 11], [12, 13]])
        #expect(record.mostInWriter == 1)
        #expect(try record.outcome?.get() == [20, 22, 24, 26])
    }

    /// A failed document fails the batch once, and what was not started never starts.
    @Test func theFirstFailureIsTheBatchsAnswer() throws {
        let record = Record()
        let batch = SealingBatch<Int, Int, Int>(
            documents: Array(0..<6), unitSize: 2, inFlight: 3,
            prepare: { document throws(ServiceError) in
                if document == 1 { throw .invalidArgument("document 1 is unreadable") }
                return document
            },
            archive: { unit, answer in
                record.enter(unit)
                record.leave()
                answer(.success(unit))
            },
            submit: { work in record.submitted(work) },
            done: { record.finished($0) })
        batch.start()
        #expect(record.work.count == 3)
        for work in record.work { work(true) }
        #expect(record.units == [])
        #expect(record.work.count == 3)
        guard case .failure(let error)? = record.outcome else { Issue.record("no failure: \(String(describing: record.outcome))"); return }
        #expect(error == .invalidArgument("document 1 is unreadable"))
    }
}
