public import Foundation
public import SealCore
public import SealArchive
public import SealOFD

/// The document formats Seal seals into: one table. A new format (OFD, PDF) is a case here and
/// its own files; the pipeline (`SealService.seal(_:with:format:)`) does not change.
public enum DocumentFormat: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    /// A detached CAdES-T CMS signature (DER) beside the document, with its archive receipt.
    case detachedCAdES = "cades"
    /// A detached GB/T 38540 SES_Signature (DER) beside the document, made with an SM2 seal:
    /// its dataHash is SM3 of the file. The structure has no place for the receipt, which
    /// travels beside it (`receiptPath(for:)`).
    case detachedSES = "ses"
    /// An OFD document (GB/T 33190) with one more GB/T 38540 signature inside, made with an SM2
    /// seal: dataHash is SM3 of the new Signature.xml, and the receipt travels in the package
    /// (`OFDSealing.receiptFileName`, outside every References).
    case ofd = "ofd"
    /// A PDF with one more PAdES signature inside (ETSI EN 319 142-1, SubFilter
    /// ETSI.CAdES.detached), made with an RSA, ECDSA or Ed25519 seal, its receipt an unsigned
    /// attribute of the CMS as in `.p7s` seals, then a B-LT revision with the validation data.
    case pdf = "pdf"

    /// The detached format of a seal: SES for an SM2 seal with its GB/T 38540 seal object,
    /// CAdES for the others.
    public static func detached(for signer: SealSigner) -> DocumentFormat {
        signer.electronicSeal != nil ? .detachedSES : .detachedCAdES
    }

    /// The format a document is sealed in by its content: a PDF or an OFD package in place,
    /// anything else (nil) detached in the seal's own format. `requested` overrides ("detached",
    /// "pdf", "ofd"); a file named .pdf or .ofd that is not one is refused, since sealing it
    /// detached is rarely what was meant.
    public static func forDocument(_ bytes: [UInt8], path: String, requested: String? = nil) throws(ServiceError) -> DocumentFormat? {
        let content: DocumentFormat? = SealService.isPDF(bytes) ? .pdf : SealService.isOFD(bytes) ? .ofd : nil
        switch requested {
        case nil:
            for format in [DocumentFormat.pdf, .ofd] where path.lowercased().hasSuffix("." + format.rawValue) && content != format {
                throw .badDocument("\(path) is named .\(format.rawValue) but is not \(format.article) file (seal it with --format detached)")
            }
            return content
        case "detached"?: return nil
        case "pdf"?, "ofd"?:
            let format = DocumentFormat(rawValue: requested!)!
            guard content == format else { throw .badDocument("\(path) is not \(format.article) file") }
            return format
        case let other?:
            throw .invalidArgument("--format is detached, pdf or ofd, not '\(other)'")
        }
    }

    /// "a PDF", "an OFD": for messages.
    var article: String { (self == .ofd ? "an " : "a ") + rawValue.uppercased() }

    /// What `propertyInfo` says a detached SES signature covers.
    static let detachedPropertyInfo = "the signed file"

    public var description: String { rawValue }

    /// The media type of what `seal` returns.
    public var mediaType: String {
        switch self {
        case .detachedCAdES: "application/pkcs7-signature"
        case .detachedSES: "application/vnd.gbt38540.ses"
        case .ofd: "application/ofd"
        case .pdf: "application/pdf"
        }
    }

    /// Where the CLI writes the sealed result for a document at `path`.
    public func outputPath(for path: String) -> String {
        switch self {
        case .detachedCAdES: path + ".p7s"
        case .detachedSES: path + ".ses"
        case .ofd: (path.lowercased().hasSuffix(".ofd") ? String(path.dropLast(4)) : path) + ".sealed.ofd"
        case .pdf: (path.lowercased().hasSuffix(".pdf") ? String(path.dropLast(4)) : path) + ".sealed.pdf"
        }
    }

    /// Where the receipt goes, beside the result written at `output`, when the format cannot
    /// carry it (nil: inside the result).
    public func receiptPath(forOutput output: String) -> String? {
        switch self {
        case .detachedCAdES, .ofd, .pdf: nil
        case .detachedSES: output + ".receipt"
        }
    }

    /// Whether a document given only by its digest can be sealed in this format (a format that
    /// embeds the seal in the document needs the document).
    public var sealsDigests: Bool {
        switch self {
        case .detachedCAdES, .detachedSES: true
        case .ofd, .pdf: false
        }
    }

    /// The seal over `document`, ready to archive, and how the result is finished once the
    /// archive answers with its receipt: the one step a format adds around signing.
    func prepare(_ document: DocumentInput, with signer: SealSigner, placement: StampPlacement,
                 assets: () throws(ServiceError) -> PDFSealingAssets) throws(ServiceError) -> Preparation {
        switch self {
        case .pdf:
            guard case .content(let bytes) = document else { throw .invalidArgument("a PDF seal needs the document, not its digest") }
            return try preparePDF(bytes, with: signer, placement: placement, assets: try assets())
        case .detachedCAdES:
            let digest = document.digest(signer.documentDigestAlgorithm)
            guard digest.count == signer.documentDigestAlgorithm.byteCount else {
                throw .invalidArgument("a \(signer.documentDigestAlgorithm.rawValue) digest has \(signer.documentDigestAlgorithm.byteCount) bytes, not \(digest.count)")
            }
            let sealed: SealSigner.Sealed
            do { sealed = try signer.sealed(digest: digest) } catch { throw ServiceError(error) }
            return Preparation(item: Archive.Item(sealed: sealed, documentDigest: digest)) { receipt throws(ServiceError) in
                do { return try sealed.der(settingUnsignedAttribute: SealOID.archiveReceipt, to: receipt.der) } catch {
                    throw .crypto("\(error)")
                }
            }
        case .detachedSES:
            let dataHash = document.digest(.sm3)
            guard dataHash.count == DigestAlgorithm.sm3.byteCount else {
                throw .invalidArgument("an SM3 digest has \(DigestAlgorithm.sm3.byteCount) bytes, not \(dataHash.count)")
            }
            let sealed = try Self.sesSealed(dataHash, propertyInfo: Self.detachedPropertyInfo, with: signer)
            return Preparation(item: Archive.Item(sealed: sealed, documentDigest: dataHash)) { _ in sealed.der }
        case .ofd:
            guard case .content(let bytes) = document else { throw .invalidArgument("an OFD seal needs the document, not its digest") }
            guard let seal = signer.electronicSeal else { throw .invalidArgument("an OFD is sealed with an SM2 seal that has its GB/T 38540 seal object") }
            let sealing: OFDSealing
            do {
                sealing = try OFDSealing(try OFDDocument(package: try OFDPackage(bytes: bytes)), seal: seal, placement: placement,
                                         provider: Self.provider, time: Date())
            } catch { throw .badDocument("\(error)") }
            let dataHash = DigestAlgorithm.sm3.hash(sealing.signatureXML)
            let sealed = try Self.sesSealed(dataHash, propertyInfo: sealing.propertyInfo, with: signer)
            return Preparation(item: Archive.Item(sealed: sealed, documentDigest: dataHash)) { receipt throws(ServiceError) in
                do { return try sealing.assemble(signedValue: sealed.der, receipt: receipt.der) } catch { throw .badDocument("\(error)") }
            }
        }
    }

    static let provider = OFDSealing.Provider(name: "Seal", version: SealVersion.current)

    private static func sesSealed(_ dataHash: [UInt8], propertyInfo: String, with signer: SealSigner) throws(ServiceError) -> SealSigner.Sealed {
        guard signer.electronicSeal != nil else { throw .invalidArgument("an SES signature needs an SM2 seal with its GB/T 38540 seal object") }
        do { return try signer.sesSealed(dataHash: dataHash, propertyInfo: propertyInfo) } catch { throw ServiceError(error) }
    }
}

/// A seal ready to archive, and what makes the caller's result of it once archived.
struct Preparation: Sendable {
    let item: Archive.Item
    let finish: @Sendable (Receipt) throws(ServiceError) -> [UInt8]
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

extension StampPlacement {
    /// A placement from the CLI's options or a request's query, checked.
    public static func checked(page: Int?, x: Double?, y: Double?, riding: Bool?, width: Double? = nil,
                               invisible: Bool? = nil, field: String? = nil, longTermValidation: Bool? = nil) throws(ServiceError) -> StampPlacement {
        if let page, page < 1 { throw .invalidArgument("page counts from 1") }
        if let width, !(10...200).contains(width) { throw .invalidArgument("the stamp's width is 10 to 200 millimetres") }
        if invisible == true, x != nil || width != nil || riding == true {
            throw .invalidArgument("an invisible seal has no position, width or riding stamp")
        }
        if let field, field.isEmpty || field.count > 256 { throw .invalidArgument("a field name is 1 to 256 characters") }
        let position: Position?
        switch (x, y) {
        case (nil, nil): position = nil
        case (let x?, let y?):
            guard x >= 0, y >= 0, x.isFinite, y.isFinite else { throw .invalidArgument("x and y are millimetres from the page's top-left corner") }
            position = Position(x: x, y: y)
        default: throw .invalidArgument("give both x and y, or neither")
        }
        return StampPlacement(page: page, position: position, riding: riding ?? false, width: width, invisible: invisible ?? false,
                              field: field, longTermValidation: longTermValidation ?? true)
    }
}
