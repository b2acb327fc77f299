internal import Foundation

/// A value read from an immutable object the first time it is asked for, then kept: what a
/// verification reads of certificates and CRLs that caches share between threads. Two threads
/// asking at once may both read it; both get the same value.
final class ReadOnce<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value?

    init() {}

    func get<Failure: Error>(_ read: () throws(Failure) -> Value) throws(Failure) -> Value {
        if let value = lock.withLock({ value }) { return value }
        let fresh = try read()
        lock.withLock { value = fresh }
        return fresh
    }
}
