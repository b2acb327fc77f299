internal import CSealShim
internal import Foundation

/// One OpenSSL `EVP_PKEY` reference, freed in `deinit`: the storage behind `PrivateKey` and
/// `PublicKey`, which are values over it (swift-crypto's habit).
final class KeyStorage: @unchecked Sendable {
    let pointer: OpaquePointer
    /// A private key's digest-sign contexts, set up once per purpose and copied for each
    /// signature: setting one up (OpenSSL 3 fetches the algorithms from the provider by name)
    /// was a quarter of an ECDSA P-256 signature in a PDF seal (`perf`).
    private var signingTemplates: [SignatureAlgorithm.Purpose: OpaquePointer] = [:]
    private let lock = NSLock()

    init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit {
        for template in signingTemplates.values { EVP_MD_CTX_free(template) }
        EVP_PKEY_free(pointer)
    }

    /// The template for `purpose`, made by `make` the first time; nil when it cannot be made.
    /// A template is never used itself, only copied, so threads share it without a lock.
    func signingTemplate(for purpose: SignatureAlgorithm.Purpose, making make: () -> OpaquePointer?) -> OpaquePointer? {
        lock.lock()
        defer { lock.unlock() }
        if let template = signingTemplates[purpose] { return template }
        guard let template = make() else { return nil }
        signingTemplates[purpose] = template
        return template
    }
}

/// A private key. OpenSSL 3 keys are safe to sign with from several threads at once as long as
/// each uses its own context, so copies share one storage.
public struct PrivateKey: Sendable {
    private let storage: KeyStorage
    public let algorithm: SignatureAlgorithm
    /// Borrowed from the storage; valid while this value (or a copy) lives.
    var pointer: OpaquePointer { storage.pointer }

    /// Work factor for PBKDF2-HMAC-SHA256 when a key is written encrypted.
    public static let pbkdf2Iterations: Int32 = 200_000

    public enum LoadError: Error, Sendable, CustomStringConvertible {
        case notAPrivateKey
        case passphraseRequired
        case wrongPassphrase
        case unsupportedAlgorithm
        public var description: String {
            switch self {
            case .notAPrivateKey: "not a PEM private key"
            case .passphraseRequired: "the key is encrypted and no passphrase was given (set SEAL_PASSPHRASE or --passphrase-file)"
            case .wrongPassphrase: "wrong passphrase, or the key file is damaged"
            case .unsupportedAlgorithm: "the key's algorithm is not one Seal signs with"
            }
        }
    }

    init(taking pointer: OpaquePointer, algorithm: SignatureAlgorithm) {
        storage = KeyStorage(taking: pointer)
        self.algorithm = algorithm
    }

    /// A fresh random key.
    public static func generate(_ algorithm: SignatureAlgorithm) throws(OpenSSLError) -> PrivateKey {
        PrivateKey(taking: try algorithm.generateKey(), algorithm: algorithm)
    }

    /// Reads a PEM private key (PKCS#8, encrypted or not). Never prompts on a terminal.
    public init(pem: [UInt8], passphrase: Passphrase?) throws(LoadError) {
        let key = try Self.readPEM(pem, passphrase: passphrase)
        guard let algorithm = SignatureAlgorithm.of(key: key) else {
            EVP_PKEY_free(key)
            throw .unsupportedAlgorithm
        }
        self.init(taking: key, algorithm: algorithm)
    }

    /// PKCS#8 PEM; encrypted (PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC) when a passphrase is given.
    public func pem(passphrase: Passphrase?) throws(OpenSSLError) -> [UInt8] {
        try Self.writePEM(pointer, passphrase: passphrase)
    }

    /// Reads any PEM private key, never prompting on a terminal; the caller owns the result.
    static func readPEM(_ pem: [UInt8], passphrase: Passphrase?) throws(LoadError) -> OpaquePointer {
        let encrypted = pem.starts(with: Array("-----BEGIN ENCRYPTED PRIVATE KEY-----".utf8))
        if encrypted && passphrase == nil { throw .passphraseRequired }
        guard let bio = try? MemoryBIO(pem) else { throw .notAPrivateKey }
        let box = Unmanaged.passRetained(PassphraseBox(passphrase))
        defer { box.release() }
        let key = PEM_read_bio_PrivateKey(bio.pointer, nil, { buffer, size, _, context in
            guard let buffer, let context else { return -1 }
            let box = Unmanaged<PassphraseBox>.fromOpaque(context).takeUnretainedValue()
            guard let passphrase = box.passphrase, passphrase.count <= Int(size) else { return -1 }
            return passphrase.withCString { source, length in
                buffer.update(from: source, count: Int(length))
                return length
            }
        }, box.toOpaque())
        guard let key else {
            OpenSSLError.clearQueue()
            throw encrypted ? .wrongPassphrase : .notAPrivateKey
        }
        return key
    }

    /// Writes a key as PKCS#8 PEM, encrypted when a passphrase is given.
    static func writePEM(_ key: OpaquePointer, passphrase: Passphrase?) throws(OpenSSLError) -> [UInt8] {
        let bio = try MemoryBIO()
        guard let passphrase else {
            try check(PEM_write_bio_PKCS8PrivateKey(bio.pointer, key, nil, nil, 0, nil, nil), "writing a private key")
            return bio.contents
        }
        let info = try check(EVP_PKEY2PKCS8(key), "preparing PKCS#8")
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        let scheme = try check(
            PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), pbkdf2Iterations, nil, 16, nil, NID_hmacWithSHA256),
            "choosing the key encryption scheme")
        let sealed = passphrase.withCString { PKCS8_set0_pbe($0, $1, info, scheme) }
        guard let sealed else {
            X509_ALGOR_free(scheme)
            throw OpenSSLError("encrypting a private key")
        }
        defer { X509_SIG_free(sealed) }
        try check(PEM_write_bio_PKCS8(bio.pointer, sealed), "writing an encrypted private key")
        return bio.contents
    }

    /// DER SubjectPublicKeyInfo of the public half.
    public func publicKeyDER() throws(OpenSSLError) -> [UInt8] {
        try OpenSSLDER.encode("a public key") { i2d_PUBKEY(pointer, $0) }
    }

    /// Signs `message` (hashing it with the algorithm's digest). Used for the raw-rate benchmark
    /// and for non-CMS signatures.
    public func sign(_ message: [UInt8]) throws(OpenSSLError) -> [UInt8] { try sign(message, for: .seal) }

    /// Signs `message` as a signature for `purpose` calls for (the padding of RSA keys).
    func sign(_ message: [UInt8], for purpose: SignatureAlgorithm.Purpose) throws(OpenSSLError) -> [UInt8] {
        try withSigningContext(for: purpose) { context throws(OpenSSLError) in
            var length = 0
            try check(EVP_DigestSign(context, nil, &length, message, message.count), "sizing a signature")
            var signature = [UInt8](repeating: 0, count: length)
            try check(EVP_DigestSign(context, &signature, &length, message, message.count), "signing")
            return Array(signature.prefix(length))
        }
    }

    /// Runs `body` with a digest-sign context set up for this key's algorithm (digest, padding).
    func withSigningContext<R>(for purpose: SignatureAlgorithm.Purpose = .seal,
                               _ body: (OpaquePointer) throws(OpenSSLError) -> R) throws(OpenSSLError) -> R {
        let (key, algorithm) = (pointer, algorithm)
        let template = storage.signingTemplate(for: purpose) {
            guard let template = EVP_MD_CTX_new() else { return nil }
            guard (try? Self.startSigning(template, key: key, algorithm: algorithm, purpose: purpose)) != nil else {
                EVP_MD_CTX_free(template)
                OpenSSLError.clearQueue()
                return nil
            }
            return template
        }
        let context = try check(EVP_MD_CTX_new(), "allocating a signing context")
        defer { EVP_MD_CTX_free(context) }
        if let template {
            if EVP_MD_CTX_copy_ex(context, template) == 1 { return try body(context) }
            // A copy OpenSSL refused: the context is cleared and set up afresh below.
            OpenSSLError.clearQueue()
            EVP_MD_CTX_reset(context)
        }
        try Self.startSigning(context, key: key, algorithm: algorithm, purpose: purpose)
        return try body(context)
    }

    /// Sets `context` up to sign with `key`: the algorithm's digest, and its padding or user ID.
    private static func startSigning(_ context: OpaquePointer, key: OpaquePointer, algorithm: SignatureAlgorithm,
                                     purpose: SignatureAlgorithm.Purpose) throws(OpenSSLError) {
        var keyContext: OpaquePointer? = nil
        try check(EVP_DigestSignInit(context, &keyContext, algorithm.digest.evp, nil, key), "starting a signature")
        if let keyContext { try algorithm.configure(keyContext, for: purpose) }
    }
}

/// Carries an optional passphrase through OpenSSL's C password callback.
private final class PassphraseBox {
    let passphrase: Passphrase?
    init(_ passphrase: Passphrase?) { self.passphrase = passphrase }
}

/// A public key (from a certificate), for raw signature verification.
public struct PublicKey: Sendable {
    private let storage: KeyStorage
    public let algorithm: SignatureAlgorithm
    var pointer: OpaquePointer { storage.pointer }

    init(taking pointer: OpaquePointer, algorithm: SignatureAlgorithm) {
        storage = KeyStorage(taking: pointer)
        self.algorithm = algorithm
    }

    /// Reads a DER SubjectPublicKeyInfo of an algorithm Seal verifies.
    public init(spki der: [UInt8]) throws(LoadError) {
        guard let key = OpenSSLDER.decode(der, { d2i_PUBKEY(nil, $0, $1) }, free: EVP_PKEY_free) else { throw .notAPublicKey }
        guard let algorithm = SignatureAlgorithm.of(key: key) else {
            EVP_PKEY_free(key)
            throw .notAPublicKey
        }
        self.init(taking: key, algorithm: algorithm)
    }

    public enum LoadError: Error, Sendable {
        case notAPublicKey
    }

    /// Verifies a signature over `message` with this key's algorithm. False for any failure,
    /// including a malformed signature.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer? = nil
        guard EVP_DigestVerifyInit(context, &keyContext, algorithm.digest.evp, nil, pointer) == 1 else {
            OpenSSLError.clearQueue()
            return false
        }
        if let keyContext, (try? algorithm.configure(keyContext)) == nil { return false }
        let result = EVP_DigestVerify(context, signature, signature.count, message, message.count)
        OpenSSLError.clearQueue()
        return result == 1
    }
}
