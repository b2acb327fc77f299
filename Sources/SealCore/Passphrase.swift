internal import CSealShim

/// A passphrase protecting private keys at rest. The bytes are wiped when the value goes away.
public final class Passphrase: @unchecked Sendable {
    /// Immutable after init; wiped in deinit.
    fileprivate let storage: UnsafeMutableBufferPointer<UInt8>

    public enum Problem: Error, Sendable, CustomStringConvertible {
        case empty
        case containsNUL
        public var description: String {
            switch self {
            case .empty: "the passphrase is empty"
            case .containsNUL: "the passphrase contains a NUL byte"
            }
        }
    }

    /// Takes the passphrase's UTF-8 bytes. Empty passphrases and NUL bytes are refused: OpenSSL
    /// treats passphrases as C strings.
    public init(_ bytes: some Collection<UInt8>) throws(Problem) {
        guard !bytes.isEmpty else { throw .empty }
        guard !bytes.contains(0) else { throw .containsNUL }
        storage = .allocate(capacity: bytes.count + 1)
        _ = storage.initialize(from: bytes)
        storage[bytes.count] = 0
    }

    public convenience init(_ string: String) throws(Problem) {
        try self.init(Array(string.utf8))
    }

    deinit {
        OPENSSL_cleanse(storage.baseAddress, storage.count)
        storage.deallocate()
    }

    /// Length without the terminating NUL.
    var count: Int { storage.count - 1 }

    func withCString<R>(_ body: (UnsafePointer<CChar>, Int32) throws -> R) rethrows -> R {
        try storage.withMemoryRebound(to: CChar.self) { try body(UnsafePointer($0.baseAddress!), Int32(count)) }
    }
}
