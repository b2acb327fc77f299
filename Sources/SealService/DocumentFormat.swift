public import SealCore
public import SealArchive

/// The document formats Seal seals into: one table. A new format (OFD, PDF) is a case here and
/// its own files; the pipeline (`SealService.seal(_:with:format:)`) does not change.
public enum DocumentFormat: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    /// A detached CAdES-T CMS signature (DER) beside the document, with its archive receipt.
    case detachedCAdES = "cades"
    /// A detached GB/T 38540 SES_Signature (DER) beside the document, made with an SM2 seal:
    /// its dataHash is SM3 of the file. The structure has no place for the receipt, which
    /// travels beside it (`receiptPath(for:)`).
    case detachedSES = "ses"

    /// The detached format of a seal: SES for an SM2 seal with its GB/T 38540 seal object,
    /// CAdES for the others.
    public static func detached(for signer: SealSigner) -> DocumentFormat {
        signer.electronicSeal != nil ? .detachedSES : .detachedCAdES
    }

    /// What `propertyInfo` says a detached SES signature covers.
    static let detachedPropertyInfo = "the signed file"

    public var description: String { rawValue }

    /// The media type of what `seal` returns.
    public var mediaType: String {
        switch self {
        case .detachedCAdES: "application/pkcs7-signature"
        case .detachedSES: "application/vnd.gbt38540.ses"
        }
    }

    /// Where the CLI writes the sealed result for a document at `path`.
    public func outputPath(for path: String) -> String {
        switch self {
        case .detachedCAdES: path + ".p7s"
        case .detachedSES: path + ".ses"
        }
    }

    /// Where the receipt goes, beside the result written at `output`, when the format cannot
    /// carry it (nil: inside the result).
    public func receiptPath(forOutput output: String) -> String? {
        switch self {
        case .detachedCAdES: nil
        case .detachedSES: output + ".receipt"
        }
    }

    /// Whether a document given only by its digest can be sealed in this format (a format that
    /// embeds the seal in the document needs the document).
    public var sealsDigests: Bool {
        switch self {
        case .detachedCAdES, .detachedSES: true
        }
    }

    /// The seal over `document`, ready to archive: the one step a format adds before signing.
    func prepare(_ document: DocumentInput, with signer: SealSigner) throws(ServiceError) -> Archive.Item {
        switch self {
        case .detachedCAdES:
            let digest = document.digest(signer.documentDigestAlgorithm)
            guard digest.count == signer.documentDigestAlgorithm.byteCount else {
                throw .invalidArgument("a \(signer.documentDigestAlgorithm.rawValue) digest has \(signer.documentDigestAlgorithm.byteCount) bytes, not \(digest.count)")
            }
            do { return Archive.Item(sealed: try signer.sealed(digest: digest), documentDigest: digest) } catch { throw ServiceError(error) }
        case .detachedSES:
            guard signer.electronicSeal != nil else { throw .invalidArgument("an SES signature needs an SM2 seal with its GB/T 38540 seal object") }
            let dataHash = document.digest(.sm3)
            guard dataHash.count == DigestAlgorithm.sm3.byteCount else {
                throw .invalidArgument("an SM3 digest has \(DigestAlgorithm.sm3.byteCount) bytes, not \(dataHash.count)")
            }
            do {
                return Archive.Item(sealed: try signer.sesSealed(dataHash: dataHash, propertyInfo: Self.detachedPropertyInfo), documentDigest: dataHash)
            } catch { throw ServiceError(error) }
        }
    }

    /// What the caller receives once `item` is archived as `receipt`.
    func finish(_ item: Archive.Item, archivedAs receipt: Receipt) throws(ServiceError) -> [UInt8] {
        switch self {
        case .detachedCAdES:
            do { return try item.sealed.der(settingUnsignedAttribute: SealOID.archiveReceipt, to: receipt.der) } catch {
                throw .crypto(error.description)
            }
        case .detachedSES: return item.sealed.der
        }
    }
}

/// A document to seal: its content, or (for formats that allow it) only its digest.
public enum DocumentInput: Sendable {
    case content([UInt8])
    /// The digest under the seal's document digest algorithm.
    case digest([UInt8])

    func digest(_ algorithm: DigestAlgorithm) -> [UInt8] {
        switch self {
        case .content(let bytes): algorithm.hash(bytes)
        case .digest(let digest): digest
        }
    }
}

/// A sealed, archived document: what every front end returns.
public struct Sealed: Sendable {
    public let format: DocumentFormat
    /// The sealed result in `format` (a detached seal: its DER, receipt included where the
    /// format has a place for it).
    public let bytes: [UInt8]
    public let receipt: Receipt

    public init(format: DocumentFormat, bytes: [UInt8], receipt: Receipt) {
        self.format = format
        self.bytes = bytes
        self.receipt = receipt
    }
}
