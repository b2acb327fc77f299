public import Foundation

extension SealSigner {
    /// Signs with a GB/T 38540 seal: SES_Signature version 4 over content whose SM3 hash is
    /// `dataHash`, named by `propertyInfo`, with the authority's RFC 3161 token over the
    /// signature value (SM3 imprint). `seal` must list this signer's certificate.
    public func sesSealed(dataHash: [UInt8], propertyInfo: String, seal: ElectronicSeal) throws(OpenSSLError) -> Sealed {
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
