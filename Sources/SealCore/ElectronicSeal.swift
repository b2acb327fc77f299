public import Foundation
import SwiftASN1

/// A Chinese electronic seal (SESeal) as received: GM/T 0031-2014 (version 1), GB/T 38540-2020
/// (version 4) or GM/T 0031-2025 (version 5). Read, never re-encoded: what the seal maker signed
/// is kept as the exact bytes received (`signedBytes`), since real seals encode fields that
/// strict DER would drop (`critical BOOLEAN DEFAULT FALSE`).
public struct ElectronicSeal: Sendable {
    public enum Version: Int, Sendable {
        case v1 = 1, v4 = 4, v5 = 5
    }

    public struct Header: Sendable, Equatable {
        /// "ES".
        public let id: String
        public let version: Int
        public let vendorID: String
    }

    /// The seal's certificate list: certificates (type 1) or their digests (type 2). Version 1
    /// seals carry certificates, or, from some producers, short identifiers.
    public enum CertificateList: Sendable, Equatable {
        case certificates([[UInt8]])
        case digests([(type: String, value: [UInt8])])
        case identifiers([String])

        public static func == (left: Self, right: Self) -> Bool {
            switch (left, right) {
            case (.certificates(let a), .certificates(let b)): a == b
            case (.digests(let a), .digests(let b)): a.map(\.type) == b.map(\.type) && a.map(\.value) == b.map(\.value)
            case (.identifiers(let a), .identifiers(let b)): a == b
            default: false
            }
        }
    }

    public struct Property: Sendable, Equatable {
        /// The producer's seal type (1 an organisation's seal, 2 a person's, others as defined).
        public let type: Int
        public let name: String
        public let certificates: CertificateList
        public let createDate: Date
        public let validStart: Date
        public let validEnd: Date
    }

    public struct Picture: Sendable, Equatable {
        /// As the producer names it: "PNG", "JPG", "GIF", "BMP", "ofd"...
        public let type: String
        public let data: [UInt8]
        public let widthMillimetres: Int
        public let heightMillimetres: Int

        public init(type: String, data: [UInt8], widthMillimetres: Int, heightMillimetres: Int) {
            self.type = type
            self.data = data
            self.widthMillimetres = widthMillimetres
            self.heightMillimetres = heightMillimetres
        }
    }

    public struct Extension: Sendable, Equatable {
        public let id: String
        public let critical: Bool
        public let value: [UInt8]
    }

    public let version: Version
    /// The whole SESeal as received.
    public let der: [UInt8]
    public let header: Header
    /// esID, the seal's unique identifier.
    public let identifier: String
    public let property: Property
    public let picture: Picture
    public let extensions: [Extension]
    /// The seal maker's certificate (DER X.509).
    public let makerCertificate: [UInt8]
    /// The maker's signature algorithm (1.2.156.10197.1.501 for SM2 with SM3).
    public let signatureAlgorithm: String
    /// The maker's signature: DER SEQUENCE { r, s } or, from some producers, raw r ‖ s.
    public let signature: [UInt8]
    /// The bytes the maker signed: SES_SealInfo as received (versions 4 and 5), or DER
    /// SEQUENCE { SES_SealInfo, cert, signatureAlgorithm } of the received elements (version 1).
    public let signedBytes: [UInt8]
    /// Version 5: an RFC 3161 token over the maker's signature.
    public let timeStampToken: [UInt8]?

    /// Seals are small (a picture of a few hundred KiB at most); anything larger is refused unread.
    public static let maximumSize = 4 * 1024 * 1024

    public init(der: [UInt8]) throws(SESFormatError) {
        guard der.count <= Self.maximumSize else { throw SESFormatError("the seal is larger than \(Self.maximumSize) bytes") }
        let root = try SESFormatError.reading("the seal") { try DER.parse(der) }
        try self.init(node: root)
    }

    /// The seal at `node` (inside a signature, where it is carried byte for byte).
    init(node: ASN1Node) throws(SESFormatError) {
        let elements = try SESReader.children(of: node, "SESeal")
        switch elements.count {
        case 2:
            // v1: { esealInfo, signInfo { cert, signatureAlgorithm, signData } }
            let signInfo = try SESReader.children(of: elements[1], "SES_SignInfo", count: 3)
            makerCertificate = try SESReader.octets(signInfo[0], "the maker certificate")
            signatureAlgorithm = try SESReader.oid(signInfo[1], "the maker signature algorithm")
            signature = try SESReader.bits(signInfo[2], "the maker signature")
            var writer = DERWriter(capacity: node.encodedBytes.count)
            writer.element(0x30, [elements[0].encodedBytes, signInfo[0].encodedBytes, signInfo[1].encodedBytes])
            signedBytes = writer.bytes
            timeStampToken = nil
        case 4, 5:
            makerCertificate = try SESReader.octets(elements[1], "the maker certificate")
            signatureAlgorithm = try SESReader.oid(elements[2], "the maker signature algorithm")
            signature = try SESReader.bits(elements[3], "the maker signature")
            signedBytes = Array(elements[0].encodedBytes)
            timeStampToken = elements.count == 5 ? try SESReader.taggedBits(elements[4], "the seal's time-stamp") : nil
        default:
            throw SESFormatError("a SESeal has 2, 4 or 5 elements, not \(elements.count)")
        }
        der = Array(node.encodedBytes)

        let info = try SESReader.children(of: elements[0], "SES_SealInfo")
        guard (4...5).contains(info.count) else { throw SESFormatError("SES_SealInfo has \(info.count) elements") }
        let headerFields = try SESReader.children(of: info[0], "SES_Header", count: 3)
        header = Header(id: try SESReader.string(headerFields[0], "the header ID"),
                        version: try SESReader.integer(headerFields[1], "the header version"),
                        vendorID: try SESReader.string(headerFields[2], "the vendor ID"))
        guard header.id == "ES" else { throw SESFormatError("the header ID is \"\(header.id)\", not \"ES\"") }
        switch (elements.count, header.version) {
        case (2, 1), (2, 2): version = .v1
        case (4, 4): version = .v4
        case (4, 5), (5, 5): version = .v5
        default: throw SESFormatError("a SESeal of \(elements.count) elements with header version \(header.version)")
        }
        identifier = try SESReader.string(info[1], "esID")
        property = try Self.property(info[2], version: version)
        let pictureFields = try SESReader.children(of: info[3], "SES_ESPictrueInfo", count: 4)
        picture = Picture(type: try SESReader.string(pictureFields[0], "the picture type"),
                          data: try SESReader.octets(pictureFields[1], "the picture"),
                          widthMillimetres: try SESReader.integer(pictureFields[2], "the picture width"),
                          heightMillimetres: try SESReader.integer(pictureFields[3], "the picture height"))
        extensions = info.count == 5 ? try SESReader.extensions(info[4]) : []
    }

    private static func property(_ node: ASN1Node, version: Version) throws(SESFormatError) -> Property {
        let fields = try SESReader.children(of: node, "SES_ESPropertyInfo")
        let type = try SESReader.integer(fields.first, "the seal type")
        let name = try SESReader.string(fields.count > 1 ? fields[1] : nil, "the seal name")
        let certificates: CertificateList
        let dates: ArraySlice<ASN1Node>
        if version == .v1 {
            // { type, name, certList SEQUENCE OF (OCTET STRING | IA5String), createDate, validStart, validEnd }
            guard fields.count == 6 else { throw SESFormatError("a version 1 SES_ESPropertyInfo has 6 elements, not \(fields.count)") }
            let entries = try SESReader.children(of: fields[2], "the certificate list")
            if entries.allSatisfy({ $0.identifier == .octetString }) {
                certificates = .certificates(try entries.map { node throws(SESFormatError) in try SESReader.octets(node, "a certificate") })
            } else {
                certificates = .identifiers(try entries.map { node throws(SESFormatError) in try SESReader.string(node, "a certificate identifier") })
            }
            dates = fields[3...]
        } else {
            // { type, name, certListType, certList (chosen by certListType), createDate, validStart, validEnd }
            guard fields.count == 7 else { throw SESFormatError("SES_ESPropertyInfo has 7 elements, not \(fields.count)") }
            let entries = try SESReader.children(of: fields[3], "the certificate list")
            switch try SESReader.integer(fields[2], "the certificate list type") {
            case 1:
                certificates = .certificates(try entries.map { node throws(SESFormatError) in try SESReader.octets(node, "a certificate") })
            case 2:
                certificates = .digests(try entries.map { node throws(SESFormatError) in
                    let pair = try SESReader.children(of: node, "a certificate digest", count: 2)
                    return (try SESReader.string(pair[0], "a digest type"), try SESReader.octets(pair[1], "a certificate digest"))
                })
            case let other:
                throw SESFormatError("the certificate list type is \(other), not 1 or 2")
            }
            dates = fields[4...]
        }
        let times = try dates.map { node throws(SESFormatError) in try SESReader.time(node, "a seal date") }
        return Property(type: type, name: name, certificates: certificates, createDate: times[0], validStart: times[1], validEnd: times[2])
    }
}

/// Why an SES structure (a seal or a signature) cannot be read.
public struct SESFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }

    /// Runs a swift-asn1 step, naming what it read when it fails.
    static func reading<T>(_ what: String, _ body: () throws -> T) throws(SESFormatError) -> T {
        do { return try body() } catch let error as SESFormatError { throw error } catch let error as ASN1Error {
            throw SESFormatError("\(what) is not valid DER (\(error.code))")
        } catch {
            throw SESFormatError("\(what) is not valid DER")
        }
    }
}

/// Field readers shared by the SES structures: each names the field it failed on.
enum SESReader {
    static func children(of node: ASN1Node?, _ what: String, count: Int? = nil) throws(SESFormatError) -> [ASN1Node] {
        guard let node, node.identifier == .sequence, case .constructed(let members) = node.content else {
            throw SESFormatError("\(what) is not a SEQUENCE")
        }
        let children = Array(members)
        if let count, children.count != count { throw SESFormatError("\(what) has \(children.count) elements, not \(count)") }
        return children
    }

    static func octets(_ node: ASN1Node?, _ what: String) throws(SESFormatError) -> [UInt8] {
        guard let node else { throw SESFormatError("\(what) is missing") }
        return try SESFormatError.reading(what) { Array(try ASN1OctetString(derEncoded: node).bytes) }
    }

    /// A BIT STRING's bytes; SES signatures and hashes are whole bytes (no unused bits).
    static func bits(_ node: ASN1Node?, _ what: String) throws(SESFormatError) -> [UInt8] {
        guard let node else { throw SESFormatError("\(what) is missing") }
        let bits = try SESFormatError.reading(what) { try ASN1BitString(derEncoded: node) }
        guard bits.paddingBits == 0 else { throw SESFormatError("\(what) is not a whole number of bytes") }
        return Array(bits.bytes)
    }

    /// An optional [0] BIT STRING, as written EXPLICIT (A0) by most producers, or IMPLICIT (80).
    static func taggedBits(_ node: ASN1Node, _ what: String) throws(SESFormatError) -> [UInt8] {
        let tag = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
        guard node.identifier == tag else { throw SESFormatError("\(what) is not tagged [0]") }
        if case .constructed(let members) = node.content {
            let inner = Array(members)
            guard inner.count == 1 else { throw SESFormatError("\(what) holds \(inner.count) elements") }
            return try bits(inner[0], what)
        }
        let bits = try SESFormatError.reading(what) { try ASN1BitString(derEncoded: node, withIdentifier: tag) }
        return Array(bits.bytes)
    }

    static func integer(_ node: ASN1Node?, _ what: String) throws(SESFormatError) -> Int {
        guard let node else { throw SESFormatError("\(what) is missing") }
        return try SESFormatError.reading(what) { try Int(derEncoded: node) }
    }

    static func oid(_ node: ASN1Node?, _ what: String) throws(SESFormatError) -> String {
        guard let node else { throw SESFormatError("\(what) is missing") }
        return try SESFormatError.reading(what) { try OID(derEncoded: node).description }
    }

    /// IA5String, UTF8String or PrintableString, as producers vary.
    static func string(_ node: ASN1Node?, _ what: String) throws(SESFormatError) -> String {
        guard let node else { throw SESFormatError("\(what) is missing") }
        return try SESFormatError.reading(what) {
            switch node.identifier {
            case .ia5String: String(try ASN1IA5String(derEncoded: node))
            case .utf8String: String(try ASN1UTF8String(derEncoded: node))
            case .printableString: String(try ASN1PrintableString(derEncoded: node))
            default: throw SESFormatError("\(what) is not a string")
            }
        }
    }

    /// GeneralizedTime (versions 4 and 5) or UTCTime (version 1).
    static func time(_ node: ASN1Node, _ what: String) throws(SESFormatError) -> Date {
        try SESFormatError.reading(what) {
            let parts: (year: Int, month: Int, day: Int, hours: Int, minutes: Int, seconds: Int)
            switch node.identifier {
            case .generalizedTime:
                let time = try GeneralizedTime(derEncoded: node)
                parts = (time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
            case .utcTime:
                let time = try UTCTime(derEncoded: node)
                parts = (time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
            default:
                throw SESFormatError("\(what) is not a time")
            }
            var components = DateComponents()
            (components.year, components.month, components.day) = (parts.year, parts.month, parts.day)
            (components.hour, components.minute, components.second) = (parts.hours, parts.minutes, parts.seconds)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            guard let date = calendar.date(from: components) else { throw SESFormatError("\(what) is not a calendar date") }
            return date
        }
    }

    /// ExtensionDatas ::= SEQUENCE OF { extnID, critical BOOLEAN DEFAULT FALSE, extnValue }.
    static func extensions(_ node: ASN1Node) throws(SESFormatError) -> [ElectronicSeal.Extension] {
        try children(of: node, "the extensions").map { node throws(SESFormatError) in
            let fields = try children(of: node, "an extension")
            guard (2...3).contains(fields.count) else { throw SESFormatError("an extension has \(fields.count) elements") }
            let critical = fields.count == 3 ? try SESFormatError.reading("an extension's critical flag") { try Bool(derEncoded: fields[1]) } : false
            return ElectronicSeal.Extension(id: try oid(fields[0], "an extension ID"), critical: critical,
                                            value: try octets(fields[fields.count - 1], "an extension value"))
        }
    }
}
