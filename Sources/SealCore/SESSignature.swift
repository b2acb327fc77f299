public import Foundation
import SwiftASN1

/// An electronic signature made with a seal (SES_Signature): GM/T 0031-2014 (version 1),
/// GB/T 38540-2020 (version 4) or GM/T 0031-2025 (version 5), read as received. The signer
/// signs the exact bytes of TBS_Sign (`signedBytes`); in versions 4 and 5 the signer's
/// certificate sits outside them, so a verifier must find it in the seal's certificate list.
public struct SESSignature: Sendable {
    public let version: ElectronicSeal.Version
    /// The whole SES_Signature as received.
    public let der: [UInt8]
    /// TBS_Sign as received: what the signer signed.
    public let signedBytes: [UInt8]
    /// The seal, carried byte for byte inside TBS_Sign.
    public let seal: ElectronicSeal
    /// When the signer says it signed: GeneralizedTime (versions 4 and 5); version 1's free-form
    /// text when it reads as a time, else nil (`timeInfoText` keeps it).
    public let signingTime: Date?
    public let timeInfoText: String?
    /// The signed document's hash (SM3 of Signature.xml for an OFD, of the file for a detached signature).
    public let dataHash: [UInt8]
    /// What the hash covers, as the producer names it (for an OFD, the Signature.xml path).
    public let propertyInfo: String
    public let signerCertificate: [UInt8]
    public let signatureAlgorithm: String
    /// DER SEQUENCE { r, s } or raw r ‖ s.
    public let signature: [UInt8]
    /// Versions 4 and 5: an RFC 3161 token over `signature`.
    public let timeStampToken: [UInt8]?

    public static let maximumSize = ElectronicSeal.maximumSize + 64 * 1024

    public init(der: [UInt8]) throws(SESFormatError) {
        guard der.count <= Self.maximumSize else { throw SESFormatError("the signature is larger than \(Self.maximumSize) bytes") }
        let root = try SESFormatError.reading("the signature") { try DER.parse(der) }
        let elements = try SESReader.children(of: root, "SES_Signature")
        guard let toSign = elements.first else { throw SESFormatError("SES_Signature is empty") }
        let fields = try SESReader.children(of: toSign, "TBS_Sign")
        guard fields.count >= 5 else { throw SESFormatError("TBS_Sign has \(fields.count) elements") }
        self.der = der
        signedBytes = Array(toSign.encodedBytes)
        seal = try ElectronicSeal(node: fields[1])
        let tbsVersion = try SESReader.integer(fields[0], "the TBS_Sign version")
        dataHash = try SESReader.bits(fields[3], "the data hash")
        propertyInfo = try SESReader.string(fields[4], "the property information")
        switch elements.count {
        case 2:
            // v1: TBS_Sign { version, eseal, timeInfo BIT STRING, dataHash, propertyInfo, cert, signatureAlgorithm }
            guard fields.count == 7 else { throw SESFormatError("a version 1 TBS_Sign has 7 elements, not \(fields.count)") }
            version = .v1
            let text = String(decoding: try SESReader.bits(fields[2], "the time information"), as: UTF8.self)
            timeInfoText = text
            signingTime = Self.freeFormTime(text)
            signerCertificate = try SESReader.octets(fields[5], "the signer certificate")
            signatureAlgorithm = try SESReader.oid(fields[6], "the signature algorithm")
            signature = try SESReader.bits(elements[1], "the signature")
            timeStampToken = nil
        case 4, 5:
            // v4/v5: { toSign, cert, signatureAlgID, signature, [0] timeStamp OPTIONAL }
            guard (5...6).contains(fields.count) else { throw SESFormatError("TBS_Sign has \(fields.count) elements") }
            guard let parsed = ElectronicSeal.Version(rawValue: tbsVersion), parsed != .v1 else {
                throw SESFormatError("TBS_Sign version \(tbsVersion) in a version 4 structure")
            }
            version = parsed
            signingTime = try SESReader.time(fields[2], "the signing time")
            timeInfoText = nil
            signerCertificate = try SESReader.octets(elements[1], "the signer certificate")
            signatureAlgorithm = try SESReader.oid(elements[2], "the signature algorithm")
            signature = try SESReader.bits(elements[3], "the signature")
            timeStampToken = elements.count == 5 ? try SESReader.taggedBits(elements[4], "the signature's time-stamp") : nil
        default:
            throw SESFormatError("SES_Signature has 2, 4 or 5 elements, not \(elements.count)")
        }
        guard version == .v1 || seal.version != .v1 else { throw SESFormatError("a version \(version.rawValue) signature carries a version 1 seal") }
    }

    /// Version 1 time texts seen in the wild: "yyyy-MM-dd HH:mm:ss" and ISO 8601 with milliseconds.
    static func freeFormTime(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        let digits = text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard digits.count == 6 else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (digits[0], digits[1], digits[2])
        (components.hour, components.minute, components.second) = (digits[3], digits[4], digits[5])
        // GM/T 0031 samples write local (China Standard) time without a zone.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        return calendar.date(from: components)
    }
}
