public import Foundation
import SwiftASN1

/// Writing GB/T 38540-2020 (version 4) seals and signatures. Seal writes canonical DER, and
/// signs the bytes it wrote; what others wrote is only ever read (`ElectronicSeal(der:)`).
extension ElectronicSeal {
    /// The GB/T 38540 header vendor ID of seals this project makes.
    public static let vendorID = "SEAL"

    /// What a department's new seal says. `certificates` are the seal's signers (certList type
    /// 1, the certificates themselves).
    public struct Making: Sendable {
        public var identifier: String
        public var type: Int
        public var name: String
        public var certificates: [Certificate]
        public var createDate: Date
        public var validStart: Date
        public var validEnd: Date
        public var picture: Picture

        public init(identifier: String, type: Int = 1, name: String, certificates: [Certificate], createDate: Date,
                    validStart: Date, validEnd: Date, picture: Picture) {
            self.identifier = identifier
            self.type = type
            self.name = name
            self.certificates = certificates
            self.createDate = createDate
            self.validStart = validStart
            self.validEnd = validEnd
            self.picture = picture
        }
    }

    /// Makes a version 4 seal, signed by `maker` (the authority, as seal maker) over the exact
    /// bytes of SES_SealInfo.
    public static func make(_ making: Making, maker: Certificate, makerKey: PrivateKey) throws(SESFormatError) -> ElectronicSeal {
        guard makerKey.algorithm == .sm2, maker.matches(makerKey) else {
            throw SESFormatError("a GB/T 38540 seal is made with the maker's SM2 key and certificate")
        }
        var info = DERWriter(capacity: making.picture.data.count + making.certificates.reduce(1024) { $0 + $1.der.count })
        info.constructed(.sequence) { info in
            info.constructed(.sequence) { header in
                header.primitive(0x16, Array("ES".utf8))
                header.integer(Version.v4.rawValue)
                header.primitive(0x16, Array(vendorID.utf8))
            }
            info.primitive(0x16, Array(making.identifier.utf8))
            info.constructed(.sequence) { property in
                property.integer(making.type)
                property.primitive(0x0C, Array(making.name.utf8))
                property.integer(1)
                property.constructed(.sequence) { list in
                    for certificate in making.certificates { list.octetString(certificate.der) }
                }
                for date in [making.createDate, making.validStart, making.validEnd] { property.generalizedTime(date) }
            }
            info.constructed(.sequence) { picture in
                picture.primitive(0x16, Array(making.picture.type.utf8))
                picture.octetString(making.picture.data)
                picture.integer(making.picture.widthMillimetres)
                picture.integer(making.picture.heightMillimetres)
            }
        }
        let signedBytes = info.bytes
        let signature: [UInt8]
        do { signature = try makerKey.sign(signedBytes) } catch { throw SESFormatError("signing the seal: \(error)") }
        var seal = DERWriter(capacity: signedBytes.count + maker.der.count + 128)
        seal.constructed(.sequence) { seal in
            seal.raw(signedBytes)
            seal.octetString(maker.der)
            seal.oid(.algorithms.sm2WithSM3)
            seal.bitString(signature)
        }
        return try ElectronicSeal(der: seal.bytes)
    }
}

extension SESSignature {
    /// What the signer signs: TBS_Sign { 4, the seal byte for byte, timeInfo, dataHash,
    /// propertyInfo }.
    public static func toBeSigned(seal: ElectronicSeal, time: Date, dataHash: [UInt8], propertyInfo: String) -> [UInt8] {
        var writer = DERWriter(capacity: seal.der.count + propertyInfo.utf8.count + 96)
        writer.constructed(.sequence) { tbs in
            tbs.integer(ElectronicSeal.Version.v4.rawValue)
            tbs.raw(seal.der)
            tbs.generalizedTime(time)
            tbs.bitString(dataHash)
            tbs.primitive(0x16, Array(propertyInfo.utf8))
        }
        return writer.bytes
    }

    /// SES_Signature { toSign, cert, signatureAlgID, signature, [0] EXPLICIT timeStamp } around
    /// a TBS_Sign already signed.
    public static func assemble(toBeSigned: [UInt8], certificate: Certificate, signature: [UInt8],
                                timeStampToken: [UInt8]?) -> [UInt8] {
        var writer = DERWriter(capacity: toBeSigned.count + certificate.der.count + (timeStampToken?.count ?? 0) + 128)
        writer.constructed(.sequence) { value in
            value.raw(toBeSigned)
            value.octetString(certificate.der)
            value.oid(.algorithms.sm2WithSM3)
            value.bitString(signature)
            if let timeStampToken {
                value.constructed(.init(tagWithNumber: 0, tagClass: .contextSpecific)) { $0.bitString(timeStampToken) }
            }
        }
        return writer.bytes
    }
}

extension DERWriter {
    /// A BIT STRING of whole octets (no unused bits).
    mutating func bitString(_ octets: [UInt8]) {
        primitive(0x03, [0] + octets)
    }

    /// GeneralizedTime "YYYYMMDDhhmmssZ", as GB/T 38540 seals write it (no fraction).
    mutating func generalizedTime(_ date: Date) {
        primitive(0x18, Array(ElectronicSeal.timeText(date).utf8))
    }
}

extension ElectronicSeal {
    /// "YYYYMMDDhhmmssZ" in UTC, whole seconds: the time GB/T 38540 structures carry, and what
    /// an OFD's SignatureDateTime says beside them.
    public static func timeText(_ date: Date) -> String {
        let parts = CalendarParts(date)
        return "\(parts.year)" + [parts.month, parts.day, parts.hour, parts.minute, parts.second].map { CalendarParts.padded($0, 2) }.joined() + "Z"
    }
}
