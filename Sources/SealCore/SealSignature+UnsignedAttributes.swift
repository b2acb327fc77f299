import SwiftASN1

extension SealSignature {
    /// This seal's DER with unsigned attribute `oid` set to the single DER `value` (replacing any
    /// earlier one), or removed when `value` is nil. The signed part is copied unchanged.
    public func der(settingUnsignedAttribute oid: String, to value: [UInt8]?) throws(FormatError) -> [UInt8] {
        try Self.der(der, settingUnsignedAttribute: oid, to: value)
    }

    /// `der(settingUnsignedAttribute:to:)` on a seal's bytes that were never parsed (a new seal).
    ///
    /// The seal is read as typed CMS and written back; it must come back byte for byte before the
    /// edit (every field is kept as encoded, so only a seal that is not DER differs), which
    /// guarantees that the edit changes the unsigned attributes and nothing else.
    public static func der(_ der: [UInt8], settingUnsignedAttribute oid: String, to value: [UInt8]?) throws(FormatError) -> [UInt8] {
        guard let type = SealOID.type(oid) else { throw .profile("not an OID: \(oid)") }
        do {
            var signedData = try CMSSignedData(contentInfo: der)
            guard signedData.signerInfos.count == 1 else { throw FormatError.signerCount(signedData.signerInfos.count) }
            guard try signedData.contentInfo() == der else { throw FormatError.notDER }
            signedData.signerInfos[0].setUnsignedAttribute(type, to: try value.map { try EncodedDER(derEncoded: DER.parse($0)) })
            return try signedData.contentInfo()
        } catch let error as FormatError {
            throw error
        } catch {
            throw .profile("cannot edit the unsigned attributes: \(error)")
        }
    }
}
