public import Foundation
public import SealCore

/// What an auditor reads off an electronic seal (.esl) or an SES signature (.ses,
/// SignedValue.dat) without verifying it: versions, names, certificates, times, picture. The
/// JSON form `seal inspect --json` prints.
public struct Inspection: Codable, Sendable, Equatable {
    /// "electronic-seal" or "ses-signature".
    public let kind: String
    public let seal: SealSummary
    public let signature: SignatureSummary?

    public struct SealSummary: Codable, Sendable, Equatable {
        /// 1 (GM/T 0031-2014), 4 (GB/T 38540-2020) or 5 (GM/T 0031-2025).
        public let version: Int
        public let vendorID: String
        public let identifier: String
        public let type: Int
        public let name: String
        /// "certificates", "digests" (of certificates) or "identifiers".
        public let certificateList: String
        public let certificates: [CertificateSummary]
        public let createDate: String
        public let validStart: String
        public let validEnd: String
        public let picture: PictureSummary
        public let extensions: [ExtensionSummary]
        public let maker: CertificateSummary
        public let signatureAlgorithm: String
        public let timeStamped: Bool
    }

    public struct SignatureSummary: Codable, Sendable, Equatable {
        public let version: Int
        /// RFC 3339, or version 1's free-form text as written.
        public let signingTime: String?
        /// What the data hash covers (for an OFD, the Signature.xml path).
        public let propertyInfo: String
        /// Hex.
        public let dataHash: String
        public let signer: CertificateSummary
        public let signatureAlgorithm: String
        public let timeStamped: Bool
    }

    public struct PictureSummary: Codable, Sendable, Equatable {
        public let type: String
        public let bytes: Int
        public let widthMillimetres: Int
        public let heightMillimetres: Int
    }

    public struct ExtensionSummary: Codable, Sendable, Equatable {
        public let id: String
        public let critical: Bool
        public let bytes: Int
    }

    /// A certificate as read; the fields are nil when the bytes are not a certificate.
    public struct CertificateSummary: Codable, Sendable, Equatable {
        public let subject: String?
        public let issuer: String?
        public let serialNumber: String?
        public let notBefore: String?
        public let notAfter: String?
        public let sha256: String

        init(_ der: [UInt8]) {
            let certificate = try? Certificate(der: der)
            subject = certificate?.subject.description
            issuer = certificate?.issuer.description
            serialNumber = certificate?.serialNumber
            notBefore = certificate?.notBefore.rfc3339
            notAfter = certificate?.notAfter.rfc3339
            sha256 = DigestAlgorithm.sha256.hash(der).hex
        }
    }
}

extension SealService {
    /// Reads `bytes` (from `path`) as an SES signature, or else as an electronic seal.
    public static func inspect(_ bytes: [UInt8], path: String) throws(ServiceError) -> Inspection {
        let signature: SESSignature
        do {
            signature = try SESSignature(der: bytes)
        } catch let asSignature {
            do {
                return Inspection(kind: "electronic-seal", seal: summary(of: try ElectronicSeal(der: bytes)), signature: nil)
            } catch let asSeal {
                throw .badElectronicSeal("\(path): as an SES signature, \(asSignature); as a seal, \(asSeal)")
            }
        }
        return Inspection(kind: "ses-signature", seal: summary(of: signature.seal), signature: Inspection.SignatureSummary(
                version: signature.version.rawValue, signingTime: signature.signingTime?.rfc3339 ?? signature.timeInfoText,
                propertyInfo: signature.propertyInfo, dataHash: signature.dataHash.hex,
                signer: Inspection.CertificateSummary(signature.signerCertificate),
                signatureAlgorithm: signature.signatureAlgorithm, timeStamped: signature.timeStampToken != nil))
    }

    static func summary(of seal: ElectronicSeal) -> Inspection.SealSummary {
        let (list, certificates): (String, [Inspection.CertificateSummary]) = switch seal.property.certificates {
        case .certificates(let ders): ("certificates", ders.map(Inspection.CertificateSummary.init))
        case .digests: ("digests", [])
        case .identifiers: ("identifiers", [])
        }
        return Inspection.SealSummary(
            version: seal.version.rawValue, vendorID: seal.header.vendorID, identifier: seal.identifier,
            type: seal.property.type, name: seal.property.name, certificateList: list, certificates: certificates,
            createDate: seal.property.createDate.rfc3339, validStart: seal.property.validStart.rfc3339,
            validEnd: seal.property.validEnd.rfc3339,
            picture: Inspection.PictureSummary(type: seal.picture.type, bytes: seal.picture.data.count,
                                               widthMillimetres: seal.picture.widthMillimetres, heightMillimetres: seal.picture.heightMillimetres),
            extensions: seal.extensions.map { Inspection.ExtensionSummary(id: $0.id, critical: $0.critical, bytes: $0.value.count) },
            maker: Inspection.CertificateSummary(seal.makerCertificate), signatureAlgorithm: seal.signatureAlgorithm,
            timeStamped: seal.timeStampToken != nil)
    }
}

/// What an auditor reads off an OFD document's signatures without verifying them: each
/// signature's list entry, what it protects, where its stamps are, whether it carries a receipt,
/// and its SES structure.
public struct DocumentInspection: Codable, Sendable, Equatable {
    /// "ofd".
    public let kind: String
    public let pages: Int
    public let signatures: [Signature]

    public struct Signature: Codable, Sendable, Equatable {
        public let id: String
        /// "Seal" or "Sign".
        public let type: String
        public let location: String
        public let checkMethod: String?
        public let references: Int?
        /// "PAGEREF: x y w h" per stamp (with the clip of a riding seal).
        public let stamps: [String]
        public let receipt: Bool
        /// The SES_Signature, when it reads as one.
        public let inspection: Inspection?
        /// Why the signature's files do not read, when they do not.
        public let problem: String?
    }
}

extension SealService {
    /// Describes every signature of an OFD document (`seal inspect DOC.ofd`).
    public static func inspectDocument(_ bytes: [UInt8], path: String) throws(ServiceError) -> DocumentInspection {
        let document: OFDDocument
        let entries: [OFDSignatureEntry]
        do {
            document = try OFDDocument(package: try OFDPackage(bytes: bytes))
            entries = try document.signatures()
        } catch { throw .badDocument("\(path): \(error.description)") }
        return DocumentInspection(kind: "ofd", pages: document.pages.count, signatures: entries.map { entry in
            do {
                let description = try OFDSignatureDescription(name: entry.descriptionName, package: document.package)
                let value = try document.package.file(description.signedValueName)
                let stamps = description.stamps.map { "\($0.pageRef): \($0.boundary)" + ($0.clip.map { " clip \($0)" } ?? "") }
                var inspection: Inspection? = nil
                var problem: String? = nil
                do { inspection = try inspect(value, path: description.signedValueName) } catch let error as ServiceError {
                    problem = error.description
                }
                return DocumentInspection.Signature(id: entry.id, type: entry.type, location: entry.location, checkMethod: description.checkMethod,
                                                    references: description.references.count, stamps: stamps,
                                                    receipt: document.package.contains(description.receiptName), inspection: inspection,
                                                    problem: problem)
            } catch {
                return DocumentInspection.Signature(id: entry.id, type: entry.type, location: entry.location, checkMethod: nil, references: nil,
                                                    stamps: [], receipt: false, inspection: nil, problem: "\(error)")
            }
        })
    }
}

/// What an auditor reads off a CAdES seal (.p7s) without verifying it.
public struct SealInspection: Codable, Sendable, Equatable {
    /// "cades".
    public let kind: String
    public let signer: Inspection.CertificateSummary?
    /// The other carried certificates (intermediates).
    public let intermediates: [Inspection.CertificateSummary]
    public let digestAlgorithm: String?
    /// Hex.
    public let messageDigest: String?
    /// The signer's claim (signing-time attribute).
    public let signingTime: String?
    public let timeStamp: TimestampSummary?
    /// The archive receipt's entry and tree size, when the seal carries one.
    public let receipt: ReceiptPosition?

    public struct ReceiptPosition: Codable, Sendable, Equatable {
        public let index: Int
        public let treeSize: Int
    }
}

extension SealService {
    /// Describes a CAdES seal (`seal inspect FILE.p7s`).
    public static func inspectSeal(_ bytes: [UInt8], path: String) throws(ServiceError) -> SealInspection {
        let seal = try sealSignature(bytes, path: path)
        let signer = seal.signerCertificate
        let receipt = seal.unsignedAttribute(SealOID.archiveReceipt).flatMap { try? Receipt(der: $0) }
        return SealInspection(kind: "cades", signer: signer.map { Inspection.CertificateSummary($0.der) },
                              intermediates: seal.certificates.filter { $0 != signer }.map { Inspection.CertificateSummary($0.der) },
                              digestAlgorithm: seal.digestAlgorithm?.rawValue, messageDigest: seal.messageDigest?.hex,
                              signingTime: seal.claimedSigningTime?.rfc3339, timeStamp: seal.timeStampToken.flatMap { TimestampSummary(token: $0) },
                              receipt: receipt.map { SealInspection.ReceiptPosition(index: $0.index, treeSize: $0.treeSize) })
    }
}
