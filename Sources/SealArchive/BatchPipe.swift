import Foundation

/// A bounded hand-off of batches from one producer thread to one consumer.
final class BatchPipe<Element>: @unchecked Sendable {
    struct Cancelled: Error {}

    private let condition = NSCondition()
    private var queue: [[Element]] = []
    private var finished = false
    private var cancelled = false
    private var failure: (any Error)?
    private let depth: Int

    init(depth: Int) { self.depth = depth }

    /// Blocks while the pipe is full; false once the consumer has cancelled.
    func put(_ batch: [Element]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= depth && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        queue.append(batch)
        condition.broadcast()
        return true
    }

    func finish(_ error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch; nil when the producer is done. Rethrows the producer's error.
    func take() throws -> [Element]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        if !queue.isEmpty {
            condition.broadcast()
            return queue.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the producer and waits until it has let go of the source.
    func cancel() {
        condition.lock()
        cancelled = true
        queue.removeAll()
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
