public import Foundation
public import SealCore
public import SealPDF
internal import CCairo

/// What sealing a PDF with one seal needs besides the signer, made once per loaded signer: the
/// stamp's images, encoded, and the validation data a B-LT revision embeds.
struct PDFSealingAssets: Sendable {
    let appearance: PDFSealing.Appearance
    /// The seal's chain up to the root and the TSA's certificate, DER.
    let certificates: [[UInt8]]
    /// The authority's current CRL, DER.
    let revocationLists: [[UInt8]]
}

extension SealService {
    /// The PDF sealing assets of seal `name`, cached beside its signer.
    func pdfAssets(for name: String, signer: SealSigner) throws(ServiceError) -> PDFSealingAssets {
        try runtime.signers.assets(for: name) { () throws(ServiceError) -> PDFSealingAssets in
            let sealName = try SealName(name)
            let record = try? JSON.decode(SealRecord.self, from: directory.sealRecord(sealName))
            let department = record?.department ?? signer.certificate.subject.commonName ?? name
            let picture: (type: String, data: [UInt8], width: Int)
            if let seal = signer.electronicSeal {
                picture = (seal.picture.type.uppercased(), seal.picture.data, seal.picture.widthMillimetres)
            } else if let size = record?.pictureSize, size.count == 2,
                      let (type, data) = ["png", "jpg"].lazy.compactMap({ type in
                          FileManager.default.contents(atPath: self.directory.sealPicture(sealName, type: type).path).map { (type.uppercased(), Array($0)) }
                      }).first {
                picture = (type, data, size[0])
            } else {
                // A seal enrolled before seals kept a picture: the drawn one.
                picture = ("PNG", try SealPicture.drawn(name: department, widthMillimetres: 40, heightMillimetres: 40), 40)
            }
            let image: PDFImage
            if picture.type == "PNG" {
                image = PDFImage(try SealPicture.pixels(png: picture.data))
            } else if picture.type == "JPG" || picture.type == "JPEG" {
                do { image = try PDFImage(jpeg: picture.data) } catch { throw .badElectronicSeal("\(error)") }
            } else {
                throw .badElectronicSeal("the seal picture is \(picture.type); a PDF stamp shows PNG or JPEG")
            }
            let caption = try SealPicture.caption(department, height: 96)
            defer { cairo_surface_destroy(caption) }
            let appearance = PDFSealing.Appearance(seal: image, caption: PDFImage(SealPicture.pixels(caption)), widthMillimetres: Double(picture.width))
            var certificates = [signer.certificate.der] + signer.intermediates.map(\.der) + [try rootCertificate().der]
            if FileManager.default.fileExists(atPath: directory.tsaCertificate.path) {
                certificates.append(try loadCertificate(directory.tsaCertificate).der)
            }
            let current = try currentRevocationList()
            let crl: [UInt8]
            do throws(OpenSSLError) { crl = try current.der } catch { throw ServiceError(error) }
            return PDFSealingAssets(appearance: appearance, certificates: certificates, revocationLists: [crl])
        }
    }
}

extension PDFImage {
    /// The stamp picture `SealPicture` drew or read, as the image a PDF embeds.
    init(_ pixels: (rgb: [UInt8], alpha: [UInt8], width: Int, height: Int)) {
        self.init(rgb: pixels.rgb, alpha: pixels.alpha, width: pixels.width, height: pixels.height)
    }
}

extension DocumentFormat {
    /// The bytes reserved in a PDF for the CMS: the certificates it carries (the assets list
    /// them with the root and the TSA's, which the token carries), and 6 KiB for the signed
    /// attributes, the token's own fields and the receipt, whose inclusion proof is at most 64
    /// hashes. Unused bytes stay zeros, hex: every byte reserved is two in the file.
    static func pdfContentsCapacity(_ assets: PDFSealingAssets) -> Int {
        assets.certificates.reduce(6 * 1024) { $0 + $1.count }
    }

    /// A PDF sealed in place: the signing revision, then (`assets`) a B-LT revision with the DSS.
    func preparePDF(_ bytes: [UInt8], with signer: SealSigner, placement: StampPlacement,
                    assets: PDFSealingAssets) throws(ServiceError) -> Preparation {
        guard signer.electronicSeal == nil, signer.documentDigestAlgorithm != .sm3 else {
            throw .invalidArgument("a PDF is sealed with an RSA, ECDSA or Ed25519 seal; SM2 seals seal OFD documents")
        }
        let time = Date()
        var appearance = assets.appearance
        appearance.timeLine = Self.timeLine(time)
        let sealing: PDFSealing
        do {
            sealing = try PDFSealing(try PDFFile(bytes: bytes), placement: placement, appearance: placement.invisible ? nil : appearance,
                                     signerName: signer.certificate.subject.commonName ?? "Seal", time: time,
                                     contentsCapacity: Self.pdfContentsCapacity(assets))
        } catch { throw .badDocument("\(error)") }
        let digest = signer.documentDigestAlgorithm.hash(parts: sealing.signedParts)
        let sealed: SealSigner.Sealed
        do { sealed = try signer.sealed(digest: digest, profile: .pades) } catch { throw ServiceError(error) }
        return Preparation(item: Archive.Item(sealed: sealed, documentDigest: digest)) { receipt throws(ServiceError) in
            do {
                let cms = try sealed.der(settingUnsignedAttribute: SealOID.archiveReceipt, to: receipt.der)
                guard placement.longTermValidation else { return try sealing.assemble(cms: cms) }
                // One copy of the document: the signed file, with room for its DSS revision.
                let dssSize = (assets.certificates + assets.revocationLists).reduce(4096) { $0 + $1.count + 256 }
                var signed = try sealing.assemble(cms: cms, spare: dssSize)
                let update = try PDFValidationData.update(try PDFFile(bytes: signed, extending: sealing.file), certificates: assets.certificates,
                                                          revocationLists: assets.revocationLists, signatureContents: cms,
                                                          numbersReferredTo: sealing.numbersReferredTo)
                signed += update
                return signed
            } catch let error as PDFError {
                throw .badDocument("\(error)")
            } catch {
                throw .crypto("\(error)")
            }
        }
    }

    /// The stamp's last line: when it was sealed, in UTC.
    static func timeLine(_ time: Date) -> String {
        let t = CalendarParts(time), two = { CalendarParts.padded($0, 2) }
        return "\(CalendarParts.padded(t.year, 4))-\(two(t.month))-\(two(t.day)) \(two(t.hour)):\(two(t.minute)):\(two(t.second)) UTC"
    }
}

/// Receipts of the seals in a PDF: each in its CMS as sealed, renewed in DSS revisions.
extension SealService {
    /// The PDF with a revision holding a receipt against the newest checkpoint for each of
    /// Seal's signatures in it (signatures made elsewhere are left as they are).
    func refreshPDFReceipts(_ bytes: [UInt8]) throws(ServiceError) -> [UInt8] {
        let file: PDFFile
        let signatures: [PDFSignature]
        do {
            file = try PDFFile(bytes: bytes)
            signatures = try file.signatures()
        } catch { throw .badDocument(error.description) }
        var renewed: [(signatureContents: [UInt8], receipt: [UInt8])] = []
        for signature in signatures where signature.kind == .signature {
            guard let seal = try? SealSignature(foreign: signature.contents) else { continue }
            let old = Self.newestReceipt(of: signature, seal: seal, in: file).flatMap { try? Receipt(der: $0) }?.salt
            if let fresh = try freshReceipt(signatureValue: seal.signatureValue, salt: old) {
                renewed.append((signature.contents, fresh.der))
            }
        }
        guard !renewed.isEmpty else { throw .archive("the archive holds none of this document's signatures") }
        do {
            return bytes + (try PDFSealReceipts.update(file, receipts: renewed))
        } catch { throw .badDocument(error.description) }
    }

    /// The newest receipt of a PDF signature: renewed in a later revision, else the one in its CMS.
    static func newestReceipt(of signature: PDFSignature, seal: SealSignature, in file: PDFFile) -> [UInt8]? {
        PDFSealReceipts.renewed(in: file, signatureContents: signature.contents) ?? seal.unsignedAttribute(SealOID.archiveReceipt)
    }

    /// Each signature of a PDF with its newest receipt, as `seal receipt DOC.pdf` shows them.
    public static func receipts(ofPDF bytes: [UInt8]) throws(ServiceError) -> [DocumentSignatureReceipt] {
        do {
            let file = try PDFFile(bytes: bytes)
            return try file.signatures().map { signature in
                let receipt = (try? SealSignature(foreign: signature.contents)).flatMap { newestReceipt(of: signature, seal: $0, in: file) }
                return DocumentSignatureReceipt(signature: signature.fieldName, receipt: receipt.flatMap { try? Receipt(der: $0) }?.json)
            }
        } catch { throw .badDocument(error.description) }
    }

    /// The receipts of a PDF or an OFD, by content.
    public static func receipts(ofDocument bytes: [UInt8]) throws(ServiceError) -> [DocumentSignatureReceipt] {
        isPDF(bytes) ? try receipts(ofPDF: bytes) : try receipts(ofOFD: bytes)
    }
}
