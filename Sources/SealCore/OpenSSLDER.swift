internal import CSealShim

/// OpenSSL's i2d/d2i and memory-BIO plumbing shared by every wrapper type (the ASN.1 Seal
/// builds itself is swift-asn1's `DER`).
enum OpenSSLDER {
    /// Encodes an object with its `i2d_*` function (two-pass: size, then bytes).
    static func encode(
        _ operation: String,
        _ i2d: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32
    ) throws(OpenSSLError) -> [UInt8] {
        let length = i2d(nil)
        guard length > 0 else { throw OpenSSLError("encoding \(operation)") }
        var bytes = [UInt8](repeating: 0, count: Int(length))
        let written = bytes.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d(&cursor)
        }
        guard written == length else { throw OpenSSLError("encoding \(operation)") }
        return bytes
    }

    /// Decodes one object with its `d2i_*` function and insists that it spans the whole input:
    /// trailing bytes after a valid object are a format error, not something to ignore. `free`
    /// releases an object that decoded but left bytes over.
    static func decode<Object>(
        _ bytes: [UInt8],
        _ d2i: (UnsafeMutablePointer<UnsafePointer<UInt8>?>, Int) -> Object?,
        free: (Object) -> Void
    ) -> Object? {
        guard !bytes.isEmpty else { return nil }
        return bytes.withUnsafeBufferPointer { buffer -> Object? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let object = d2i(&cursor, buffer.count) else {
                OpenSSLError.clearQueue()
                return nil
            }
            guard let end = cursor, end - buffer.baseAddress! == buffer.count else {
                free(object)
                return nil
            }
            return object
        }
    }
}

/// A read-write memory BIO owned by Swift.
final class MemoryBIO {
    let pointer: OpaquePointer

    init() throws(OpenSSLError) {
        pointer = try check(BIO_new(BIO_s_mem()), "allocating a memory BIO")
    }

    /// A read-only BIO over a copy of `bytes`, so the BIO never points into Swift-managed memory.
    init(_ bytes: [UInt8]) throws(OpenSSLError) {
        let bio = try check(BIO_new(BIO_s_mem()), "allocating a memory BIO")
        pointer = bio
        if !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { BIO_write(bio, $0.baseAddress, Int32($0.count)) }
            guard written == Int32(bytes.count) else {
                BIO_free(bio)
                throw OpenSSLError("filling a memory BIO")
            }
        }
    }

    deinit { BIO_free(pointer) }

    /// Everything written to the BIO so far.
    var contents: [UInt8] {
        var data: UnsafePointer<UInt8>? = nil
        let length = CSealShim_BIO_get_mem_data(pointer, &data)
        guard length > 0, let data else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }
}

/// Cryptographically secure random bytes from OpenSSL's DRBG.
public func secureRandomBytes(_ count: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    // RAND_bytes fails only when the DRBG cannot be seeded; continuing would be unsafe.
    precondition(RAND_bytes(&bytes, Int32(count)) == 1, "the random number generator failed")
    return bytes
}
