internal import CSealShim
public import Foundation

/// The root certificates a verifier trusts. Built from a trust bundle, a data directory's root,
/// or given directly.
public struct TrustAnchors: Sendable {
    public let roots: [Certificate]

    public init(roots: [Certificate]) { self.roots = roots }

    /// A store holding the roots (and `crls`), checking at `time`.
    func makeStore(at time: Date, purpose: Int32? = nil) throws(OpenSSLError) -> X509Store {
        let store = try X509Store()
        for root in roots { try check(X509_STORE_add_cert(store.pointer, root.pointer), "adding a trust anchor") }
        let parameters = try check(X509_STORE_get0_param(store.pointer), "reading store parameters")
        X509_VERIFY_PARAM_set_time(parameters, time_t(time.timeIntervalSince1970.rounded(.down)))
        if let purpose { try check(X509_VERIFY_PARAM_set_purpose(parameters, purpose), "setting the purpose") }
        return store
    }

    /// The result of building and checking a path from `leaf` to one of the roots at `time`.
    ///
    /// A path that validated once is remembered, keyed by the exact bytes of the roots, the leaf
    /// and the untrusted certificates, with the window in which every certificate of the built
    /// chain is valid. Signatures, names and extensions do not depend on the time, so the same
    /// path is valid at any other time inside that window; outside it, or on any failure, the
    /// path is validated from scratch. Every untrusted certificate must end up on the path (or be
    /// a trust anchor's copy), so that no carried byte goes unverified.
    func validatePath(leaf: Certificate, untrusted: [Certificate], at time: Date, purpose: Int32? = nil,
                      cache: VerificationCache) -> PathResult {
        let key = PathCache.Key(roots: roots.map(\.der), leaf: leaf.der, untrusted: untrusted.map(\.der), purpose: purpose ?? 0)
        if let window = cache.paths.value(for: key), window.contains(time) { return .valid }
        do throws(OpenSSLError) {
            let store = try makeStore(at: time, purpose: purpose)
            let context = try check(X509_STORE_CTX_new(), "allocating a verification context")
            defer { X509_STORE_CTX_free(context) }
            let stack = try check(CSealShim_sk_X509_new_null(), "allocating a certificate list")
            defer { CSealShim_sk_X509_pop_free(stack) }
            for certificate in untrusted {
                X509_up_ref(certificate.pointer)
                guard CSealShim_sk_X509_push(stack, certificate.pointer) > 0 else {
                    X509_free(certificate.pointer)
                    throw OpenSSLError("building a certificate list")
                }
            }
            try check(X509_STORE_CTX_init(context, store.pointer, leaf.pointer, stack), "starting path validation")
            if X509_verify_cert(context) == 1 {
                let chain = X509_STORE_CTX_get0_chain(context)
                // A carried certificate that is neither on the path nor a trust anchor is bytes
                // that nothing verifies: any of them could change and the seal would still pass.
                let onPath = Set(Self.certificates(in: chain).map(ByteString.init)).union(roots.map { ByteString($0.der) })
                if let stray = untrusted.firstIndex(where: { !onPath.contains(ByteString($0.der)) }) {
                    return .strayCertificate(index: stray)
                }
                if let window = Self.validityWindow(of: chain) { cache.paths.insert(key, window) }
                return .valid
            }
            let code = X509_STORE_CTX_get_error(context)
            let depth = X509_STORE_CTX_get_error_depth(context)
            OpenSSLError.clearQueue()
            return .invalid(code: code, depth: depth, reason: String(cString: X509_verify_cert_error_string(Int(code))))
        } catch {
            return .invalid(code: -1, depth: 0, reason: error.description)
        }
    }

    /// The DER of every certificate in a built chain.
    static func certificates(in chain: OpaquePointer?) -> [[UInt8]] {
        guard let chain else { return [] }
        return (0..<CSealShim_sk_X509_num(chain)).compactMap { index in
            guard let certificate = CSealShim_sk_X509_value(chain, index) else { return nil }
            return try? OpenSSLDER.encode("a certificate") { i2d_X509(certificate, $0) }
        }
    }

    /// The intersection of the validity periods of every certificate in a built chain.
    static func validityWindow(of chain: OpaquePointer?) -> ClosedRange<Date>? {
        guard let chain else { return nil }
        var from = Date.distantPast
        var until = Date.distantFuture
        for index in 0..<CSealShim_sk_X509_num(chain) {
            guard let certificate = CSealShim_sk_X509_value(chain, index),
                  let notBefore = ASN1Time.date(X509_get0_notBefore(certificate)),
                  let notAfter = ASN1Time.date(X509_get0_notAfter(certificate)) else { return nil }
            from = max(from, notBefore)
            until = min(until, notAfter)
        }
        return from <= until ? from...until : nil
    }

    enum PathResult: Equatable {
        case valid
        case invalid(code: Int32, depth: Int32, reason: String)
        /// The path holds, but the untrusted certificate at `index` is neither on it nor a trust
        /// anchor.
        case strayCertificate(index: Int)
    }
}

/// An OpenSSL certificate store owned by Swift.
final class X509Store {
    let pointer: OpaquePointer
    init() throws(OpenSSLError) { pointer = try check(X509_STORE_new(), "allocating a certificate store") }
    deinit { X509_STORE_free(pointer) }
}

/// Paths that validated, process-wide: every verifier, however its trust anchors were loaded,
/// shares it.
enum PathCache {
    struct Key: Hashable {
        let roots: [[UInt8]]
        let leaf: [UInt8]
        let untrusted: [[UInt8]]
        let purpose: Int32

        // Each certificate hashed as one block: hashing byte by byte cost more than the lookup.
        func hash(into hasher: inout Hasher) {
            for bytes in roots + [leaf] + untrusted { hasher.combine(ByteString(bytes)) }
            hasher.combine(roots.count)
            hasher.combine(purpose)
        }
    }
}

/// What a verifier remembers between seals, owned by the verifier (`SealVerifier.cache`) rather
/// than the process, so what one verifier learned never decides another's result: validated
/// paths with their validity windows, and matched ESS bindings. Both are keyed by exact bytes.
public final class VerificationCache: Sendable {
    let paths = BoundedCache<PathCache.Key, ClosedRange<Date>>(capacity: 4096)
    let bindings = BoundedCache<ESSBinding.Key, Bool>(capacity: 1024)
    /// Whether a CRL (its DER, then the issuer's) is signed by that issuer: a PDF carries its CRL
    /// in every copy, and checking its signature was a third of verifying one.
    let issuedLists = BoundedCache<ByteString, Bool>(capacity: 256)

    public init() {}
}
