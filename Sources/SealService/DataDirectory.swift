public import Foundation
public import SealCore

/// The on-disk layout of an authority. Directories are 0700 and private keys 0600.
///
///     DATA/authority.json           AuthorityRecord
///     DATA/authority/root.pem       root certificate       root.key  its key
///     DATA/authority/tsa.pem        TSA certificate        tsa.key   its key
///     DATA/authority/log.key        the archive log's Ed25519 key
///     DATA/archive.sqlite           the archive (entries, tree, checkpoints)
///     DATA/seals/NAME/certificate.pem, key.pem, seal.json  one department seal
///     DATA/seals/NAME/seal.esl      its GB/T 38540 seal object (SM2 seals)
///     DATA/seals/NAME/picture.png   its picture on PDF pages (other seals; .jpg for a JPEG)
public struct DataDirectory: Sendable {
    public let url: URL

    public init(_ url: URL) { self.url = url.standardizedFileURL }

    /// $SEAL_DATA, else $XDG_DATA_HOME/seal, else $HOME/.local/share/seal: where `seal` and
    /// `seald` look when no directory is named.
    public static func defaultLocation(environment: [String: String] = ProcessInfo.processInfo.environment) -> DataDirectory {
        if let path = environment["SEAL_DATA"], !path.isEmpty { return DataDirectory(URL(fileURLWithPath: path)) }
        if let base = environment["XDG_DATA_HOME"], !base.isEmpty {
            return DataDirectory(URL(fileURLWithPath: base).appendingPathComponent("seal"))
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return DataDirectory(home.appendingPathComponent(".local/share/seal"))
    }

    public var authorityRecord: URL { url.appendingPathComponent("authority.json") }
    var authorityFolder: URL { url.appendingPathComponent("authority") }
    public var rootCertificate: URL { authorityFolder.appendingPathComponent("root.pem") }
    var rootKey: URL { authorityFolder.appendingPathComponent("root.key") }
    var tsaCertificate: URL { authorityFolder.appendingPathComponent("tsa.pem") }
    var tsaKey: URL { authorityFolder.appendingPathComponent("tsa.key") }
    var logKey: URL { authorityFolder.appendingPathComponent("log.key") }
    public var archive: URL { url.appendingPathComponent("archive.sqlite") }
    var sealsFolder: URL { url.appendingPathComponent("seals") }

    func sealFolder(_ name: SealName) -> URL { sealsFolder.appendingPathComponent(name.value) }
    func sealCertificate(_ name: SealName) -> URL { sealFolder(name).appendingPathComponent("certificate.pem") }
    func sealKey(_ name: SealName) -> URL { sealFolder(name).appendingPathComponent("key.pem") }
    func sealRecord(_ name: SealName) -> URL { sealFolder(name).appendingPathComponent("seal.json") }
    /// The seal's picture for seals without a GB/T 38540 seal object: `picture.png` or `picture.jpg`.
    func sealPicture(_ name: SealName, type: String) -> URL { sealFolder(name).appendingPathComponent("picture." + type.lowercased()) }
    /// The GB/T 38540 seal object of an SM2 seal.
    func electronicSeal(_ name: SealName) -> URL { sealFolder(name).appendingPathComponent("seal.esl") }

    public var exists: Bool { FileManager.default.fileExists(atPath: authorityRecord.path) }
}

/// A validated seal name: safe as a path component and in URLs.
public struct SealName: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) throws(ServiceError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
        guard (1...64).contains(value.count), value.allSatisfy(allowed.contains),
              let first = value.first, first.isLetter || first.isNumber else { throw .invalidSealName(value) }
        self.value = value
    }

    public var description: String { value }
}

/// authority.json
public struct AuthorityRecord: Codable, Sendable {
    public var version = 1
    public var name: String
    public var algorithm: SignatureAlgorithm
    public var createdAt: Date
    public var keysEncrypted: Bool
    /// The archive log's origin line, which is also its verifier key's name.
    public var logOrigin: String
    /// The log's verifier key (name+keyid+base64).
    public var logVerifierKey: String
}

/// seals/NAME/seal.json
public struct SealRecord: Codable, Sendable {
    public var version = 1
    public var name: String
    public var department: String
    public var organizationIdentifier: String?
    public var algorithm: SignatureAlgorithm
    public var createdAt: Date
    /// The picture's size in millimetres, [width, height], for seals that keep it in `picture.*`.
    public var pictureSize: [Int]?
}

public enum JSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    static func encode(_ value: some Encodable) throws(ServiceError) -> [UInt8] {
        do { return Array(try encoder().encode(value)) + [0x0A] } catch { throw .io("cannot encode JSON: \(error)") }
    }

    static func decode<T: Decodable>(_ type: T.Type, from url: URL) throws(ServiceError) -> T {
        let bytes = try AtomicFile.read(url)
        do { return try decoder().decode(type, from: Data(bytes)) } catch {
            throw .io("\(url.path) is damaged: \(error.localizedDescription)")
        }
    }
}

extension Passphrase {
    /// The first line of `file`, else $SEAL_PASSPHRASE, else none: how `seal` and `seald` find
    /// the key passphrase (never from a command-line argument, which other users can read).
    public static func from(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ServiceError) -> Passphrase? {
        var bytes: [UInt8]
        if let file {
            bytes = try AtomicFile.read(URL(fileURLWithPath: file))
            if let newline = bytes.firstIndex(of: 0x0A) { bytes = Array(bytes[..<newline]) }
            if bytes.last == 0x0D { bytes.removeLast() }
        } else if let value = environment["SEAL_PASSPHRASE"] {
            bytes = Array(value.utf8)
        } else {
            return nil
        }
        do { return try Passphrase(bytes) } catch { throw .passphraseRefused(error.description) }
    }
}
