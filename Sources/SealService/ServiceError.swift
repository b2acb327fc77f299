public import SealCore
public import SealArchive

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
    /// An input file that exists but cannot be read (a directory, no permission).
    case fileUnreadable(String, String)
    case io(String)
    case invalidArgument(String)
    case badTrustBundle(String)
    case badRevocationList(String)
    case crypto(String)
    case archive(String)
    case forbidden(String)
    case refused(String)
    /// Another writer changed what this operation depended on; trying again may succeed.
    case conflict(String)
    case badStatusList(String)
    /// An electronic seal or SES signature (GB/T 38540, GM/T 0031) that cannot be read.
    case badElectronicSeal(String)
    /// A document (an OFD package) that cannot be read or sealed as given.
    case badDocument(String)
    /// The seal has no GB/T 38540 seal object (it is not an SM2 seal).
    case noElectronicSeal(String)
    /// The archive's storage refuses writes for now (full disk, read-only file system).
    case storage(String)
    /// An error reported by `seald`, kept with its category so the CLI exits the same way.
    case remote(Category, String)

    /// What kind of failure this is: decides the CLI's exit status and the daemon's HTTP status,
    /// and travels with a daemon's error so both front ends report it alike.
    public enum Category: String, Codable, Sendable {
        case usage, badInput, missingFile, notFound, conflict, forbidden, unavailable, failure
    }

    public var category: Category {
        switch self {
        case .invalidArgument, .invalidSealName: .usage
        case .badTrustBundle, .badRevocationList, .badStatusList, .badElectronicSeal, .badDocument: .badInput
        case .fileNotFound, .fileUnreadable: .missingFile
        case .unknownSeal, .noAuthority, .noElectronicSeal: .notFound
        case .authorityExists, .directoryNotEmpty, .sealExists, .refused, .sealNotUsable, .conflict: .conflict
        case .forbidden: .forbidden
        case .passphraseRequired, .passphraseRefused, .keyUnreadable, .storage: .unavailable
        case .io, .crypto, .archive: .failure
        case .remote(let category, _): category
        }
    }

    public var description: String {
        switch self {
        case .authorityExists(let path): "an authority already exists in \(path); refusing to overwrite it"
        case .directoryNotEmpty(let path): "\(path) exists and is not empty; choose a new or empty directory"
        case .noAuthority(let path): "no authority in \(path) (run `seal init` first, or set --data / SEAL_DATA)"
        case .invalidSealName(let name): "invalid seal name '\(name)': use 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
        case .sealExists(let name): "a seal named '\(name)' already exists"
        case .unknownSeal(let name): "no seal named '\(name)' (see `seal seals`)"
        case .badDocument(let why): why
        case .noElectronicSeal(let name): "seal '\(name)' has no GB/T 38540 seal object: only SM2 seals have one"
        case .sealNotUsable(let name, let why): "seal '\(name)' cannot sign: \(why)"
        case .passphraseRequired: "the keys are encrypted: set SEAL_PASSPHRASE or use --passphrase-file"
        case .passphraseRefused(let why): "unusable passphrase: \(why)"
        case .keyUnreadable(let path, let why): "cannot load key \(path): \(why)"
        case .fileNotFound(let path): "no such file: \(path)"
        case .fileUnreadable(let path, let why): "cannot read \(path): \(why)"
        case .io(let text): text
        case .conflict(let text): text
        case .invalidArgument(let text): text
        case .badTrustBundle(let why): "bad trust bundle: \(why)"
        case .badRevocationList(let why): "bad CRL: \(why)"
        case .crypto(let text): "cryptographic operation failed: \(text)"
        case .archive(let text): text
        case .forbidden(let text): "not permitted: \(text)"
        case .refused(let text): text
        case .badStatusList(let why): "bad status list: \(why)"
        case .badElectronicSeal(let why): "not a readable electronic seal or SES signature: \(why)"
        case .storage(let text): text
        case .remote(_, let message): message
        }
    }

    public init(_ error: OpenSSLError) { self = .crypto(error.description) }

    /// An archive error as the service reports it.
    public init(_ error: ArchiveError) {
        switch error {
        case .unavailable, .halted: self = .storage(error.description)
        case .invalidArgument(let why): self = .refused(why)
        case .conflict(let why): self = .conflict(why)
        default: self = .archive(error.description)
        }
    }
}
