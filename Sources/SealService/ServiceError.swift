public import SealCore

/// Every way an operation can be refused or fail, each with one clear sentence.
public enum ServiceError: Error, Sendable, CustomStringConvertible, Equatable {
    case authorityExists(String)
    case directoryNotEmpty(String)
    case noAuthority(String)
    case invalidSealName(String)
    case sealExists(String)
    case unknownSeal(String)
    case sealNotUsable(String, String)
    case passphraseRequired
    case passphraseRefused(String)
    case keyUnreadable(String, String)
    case fileNotFound(String)
    case io(String)
    case invalidArgument(String)
    case badTrustBundle(String)
    case badRevocationList(String)
    case crypto(String)
    case archive(String)
    case forbidden(String)
    case refused(String)
    case badStatusList(String)

    public var description: String {
        switch self {
        case .authorityExists(let path): "an authority already exists in \(path); refusing to overwrite it"
        case .directoryNotEmpty(let path): "\(path) exists and is not empty; choose a new or empty directory"
        case .noAuthority(let path): "no authority in \(path) (run `seal init` first, or set --data / SEAL_DATA)"
        case .invalidSealName(let name): "invalid seal name '\(name)': use 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
        case .sealExists(let name): "a seal named '\(name)' already exists"
        case .unknownSeal(let name): "no seal named '\(name)' (see `seal seals`)"
        case .sealNotUsable(let name, let why): "seal '\(name)' cannot sign: \(why)"
        case .passphraseRequired: "the keys are encrypted: set SEAL_PASSPHRASE or use --passphrase-file"
        case .passphraseRefused(let why): "unusable passphrase: \(why)"
        case .keyUnreadable(let path, let why): "cannot load key \(path): \(why)"
        case .fileNotFound(let path): "no such file: \(path)"
        case .io(let text): text
        case .invalidArgument(let text): text
        case .badTrustBundle(let why): "bad trust bundle: \(why)"
        case .badRevocationList(let why): "bad CRL: \(why)"
        case .crypto(let text): "cryptographic operation failed: \(text)"
        case .archive(let text): text
        case .forbidden(let text): "not permitted: \(text)"
        case .refused(let text): text
        case .badStatusList(let why): "bad status list: \(why)"
        }
    }

    init(_ error: OpenSSLError) { self = .crypto(error.description) }
}
