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
    func validatePath(leaf: Certificate, untrusted: [Certificate], at time: Date, purpose: Int32? = nil) -> PathResult {
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
            if X509_verify_cert(context) == 1 { return .valid }
            let code = X509_STORE_CTX_get_error(context)
            let depth = X509_STORE_CTX_get_error_depth(context)
            OpenSSLError.clearQueue()
            return .invalid(code: code, depth: depth, reason: String(cString: X509_verify_cert_error_string(Int(code))))
        } catch {
            return .invalid(code: -1, depth: 0, reason: error.description)
        }
    }

    enum PathResult: Equatable {
        case valid
        case invalid(code: Int32, depth: Int32, reason: String)
    }
}

/// An OpenSSL certificate store owned by Swift.
final class X509Store {
    let pointer: OpaquePointer
    init() throws(OpenSSLError) { pointer = try check(X509_STORE_new(), "allocating a certificate store") }
    deinit { X509_STORE_free(pointer) }
}
