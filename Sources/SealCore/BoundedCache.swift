public import Foundation

/// A memo shared between threads, bounded: when full it starts over. Seal keeps only results
/// that are safe to reuse for exactly the same key (the exact bytes checked).
public final class BoundedCache<Key: Hashable, Value>: @unchecked Sendable {
    private let capacity: Int
    private let lock = NSLock()
    private var values: [Key: Value] = [:]

    public init(capacity: Int) { self.capacity = capacity }

    /// How many values it holds.
    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return values.count
    }

    public func value(for key: Key) -> Value? {
        lock.lock()
        defer { lock.unlock() }
        return values[key]
    }

    public func insert(_ key: Key, _ value: Value) {
        lock.lock()
        defer { lock.unlock() }
        if values.count >= capacity { values.removeAll(keepingCapacity: true) }
        values[key] = value
    }

    /// The value for `key`, made by `make` and kept when there is none yet.
    public func value<Failure: Error>(for key: Key, making make: () throws(Failure) -> Value) throws(Failure) -> Value {
        if let known = value(for: key) { return known }
        let made = try make()
        insert(key, made)
        return made
    }
}

/// Bytes as a dictionary key, hashed as one block rather than byte by byte.
public struct ByteString: Hashable, Sendable {
    public let bytes: [UInt8]
    public init(_ bytes: some Collection<UInt8>) { self.bytes = Array(bytes) }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.count)
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
