public import Foundation

extension SealSigner {
    /// Signs with a GB/T 38540 seal: SES_Signature version 4 over content whose SM3 hash is
    /// `dataHash`, named by `propertyInfo`, with the authority's RFC 3161 token over the
    /// signature value (SM3 imprint). `seal` must list this signer's certificate.
    public func sesSealed(dataHash: [UInt8], propertyInfo: String, seal: ElectronicSeal) throws(OpenSSLError) -> Sealed {
        try sesSealed(dataHash: dataHash, propertyInfo: propertyInfo, with: seal)
    }

    /// `sesSealed(dataHash:propertyInfo:seal:)` with this signer's own seal object.
    public func sesSealed(dataHash: [UInt8], propertyInfo: String) throws(OpenSSLError) -> Sealed {
        guard let electronicSeal else { throw OpenSSLError("this seal has no GB/T 38540 seal object (enrol it with an SM2 authority)") }
        return try sesSealed(dataHash: dataHash, propertyInfo: propertyInfo, with: electronicSeal)
    }

    private func sesSealed(dataHash: [UInt8], propertyInfo: String, with seal: ElectronicSeal) throws(OpenSSLError) -> Sealed {
        guard key.algorithm == .sm2 else { throw OpenSSLError("an SES signature is made with an SM2 seal, not \(key.algorithm)") }
        guard dataHash.count == DigestAlgorithm.sm3.byteCount else {
            throw OpenSSLError("an SM3 hash has \(DigestAlgorithm.sm3.byteCount) bytes, not \(dataHash.count)")
        }
        guard case .certificates(let listed) = seal.property.certificates, listed.contains(certificate.der) else {
            throw OpenSSLError("the seal '\(seal.property.name)' does not list this signer's certificate")
        }
        let toBeSigned = SESSignature.toBeSigned(seal: seal, time: clock(), dataHash: dataHash, propertyInfo: propertyInfo)
        let signature = try key.sign(toBeSigned)
        let token = try timeStampAuthority?.timestamp(imprint: DigestAlgorithm.sm3.hash(signature), algorithm: .sm3)
        return Sealed(der: SESSignature.assemble(toBeSigned: toBeSigned, certificate: certificate, signature: signature, timeStampToken: token),
                      signatureValue: signature, signerCertificate: certificate.der, timeStampToken: token, digestAlgorithm: .sm3)
    }
}

extension SealSigner.Sealed {
    /// What the archive binds of an SES signature: its value, certificate and token, with SM3
    /// as the digest of what it signs.
    public init(_ signature: SESSignature) {
        self.init(der: signature.der, signatureValue: signature.signature, signerCertificate: signature.signerCertificate,
                  timeStampToken: signature.timeStampToken, digestAlgorithm: .sm3)
    }
}

extension SESSignature {
    /// Whether `der` has the shape of an SES_Signature (a SEQUENCE whose first element is a
    /// SEQUENCE, TBS_Sign) rather than a CMS ContentInfo (whose first element is an OID).
    public static func hasItsShape(_ der: [UInt8]) -> Bool {
        guard let root = TLV.read(der, at: 0), root.tag == 0x30, let first = TLV.read(der, at: root.contentStart) else { return false }
        return first.tag == 0x30
    }
}
