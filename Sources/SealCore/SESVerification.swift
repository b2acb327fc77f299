public import Foundation

/// Verification of GB/T 38540 and GM/T 0031 signatures, as received: every signature is
/// checked over the bytes the signer and the seal maker signed (`signedBytes`), never over a
/// re-encoding. Each step is a named check in the report, as for CAdES seals.
extension SealVerifier {
    /// Verifies an SES_Signature whose dataHash should be the SM3 hash of `content` (the file of
    /// a detached signature; an OFD signature's Signature.xml).
    public func verify(ses der: [UInt8], content: [UInt8],
                       then further: (SESSignature, inout VerificationReport) -> Void = { _, _ in }) -> VerificationReport {
        verify(ses: der, contentHash: DigestAlgorithm.sm3.hash(content), then: further)
    }

    /// The same, given the SM3 hash of the content: a caller that needs the hash again (the
    /// archive check binds it) hashes a large file once.
    public func verify(ses der: [UInt8], contentHash: [UInt8],
                       then further: (SESSignature, inout VerificationReport) -> Void = { _, _ in }) -> VerificationReport {
        var report = VerificationReport(validationTime: clock())
        let signature: SESSignature
        do {
            signature = try SESSignature(der: der)
        } catch {
            report.append(.failed(.format, .totalFailed, .formatFailure, "not an SES signature: \(error)"))
            return report
        }
        verify(signature, contentHash: contentHash, into: &report)
        further(signature, &report)
        return report
    }

    /// Verifies an already-parsed SES_Signature, appending to `report`.
    public func verify(_ signature: SESSignature, contentHash: [UInt8], into report: inout VerificationReport) {
        report.append(.passed(.format, "\(signature.version.standard) SES_Signature carrying a version \(signature.seal.version.rawValue) seal"))
        report.signingTime = signature.signingTime
        let seal = signature.seal
        let maker = try? Certificate(der: seal.makerCertificate)
        report.append(Self.sealSignatureCheck(seal, maker: maker))

        guard let signer = try? Certificate(der: signature.signerCertificate) else {
            report.append(.failed(.signingCertificate, .indeterminate, .noSigningCertificateFound,
                                  "the signer's certificate does not parse"))
            return
        }
        report.signer = SignerSummary(signer)
        report.append(Self.certificateListCheck(seal, signer: signer, version: signature.version))
        report.append(Self.sm2Verifies(signature.signature, over: signature.signedBytes, by: signer, algorithm: signature.signatureAlgorithm)
            ? .passed(.signature, "the signer's SM2 signature over TBS_Sign verifies")
            : .failed(.signature, .totalFailed, .sigCryptoFailure, "the signer's signature over TBS_Sign does not verify (signature altered)"))
        report.append(constantTimeEqual(signature.dataHash, contentHash)
            ? .passed(.messageDigest, "the SM3 hash of \(signature.propertyInfo) matches the signed dataHash")
            : .failed(.messageDigest, .totalFailed, .hashFailure, "\(signature.propertyInfo) was changed after signing (SM3 mismatch)"))

        var proofOfExistence: Date? = nil
        if let token = signature.timeStampToken {
            let verdict = verifyTimeStamp(token) { algorithm in algorithm.hash(signature.signature) }
            report.timestamp = verdict.summary
            verdict.checks.forEach { report.append($0) }
            proofOfExistence = verdict.time
        } else {
            report.append(.skipped(.timestampImprint, "no signature time-stamp: the signing time is only the signer's claim"))
        }
        let signedAt = proofOfExistence ?? signature.signingTime ?? report.validationTime
        report.append(Self.sealValidityCheck(seal, at: signedAt, proven: proofOfExistence != nil))
        report.append(sealCertificateCheck(maker, at: seal.property.createDate))
        report.append(chainCheck(signer: signer, intermediates: [], at: proofOfExistence ?? report.validationTime,
                                 hasProof: proofOfExistence != nil))
        report.append(keyUsageCheck(signer))
        report.append(revocationCheck(signer: signer, proofOfExistence: proofOfExistence, into: &report))
    }

    /// The seal maker's signature: over SES_SealInfo (versions 4 and 5), or over SEQUENCE
    /// { SealInfo, cert, algorithm } (version 1).
    static func sealSignatureCheck(_ seal: ElectronicSeal, maker: Certificate?) -> VerificationCheck {
        guard let maker else {
            return .failed(.sealSignature, .totalFailed, .formatFailure, "the seal maker's certificate does not parse")
        }
        guard sm2Verifies(seal.signature, over: seal.signedBytes, by: maker, algorithm: seal.signatureAlgorithm) else {
            return .failed(.sealSignature, .totalFailed, .sigCryptoFailure,
                           "the seal maker's signature over the seal does not verify (seal altered or forged)")
        }
        return .passed(.sealSignature, "the seal '\(seal.property.name)' is signed by its maker, \(maker.subject.commonName ?? "unnamed")")
    }

    /// The maker's certificate chains to a trusted root at the time the seal says it was made.
    func sealCertificateCheck(_ maker: Certificate?, at made: Date) -> VerificationCheck {
        guard let maker else {
            return .failed(.sealCertificate, .totalFailed, .formatFailure, "the seal maker's certificate does not parse")
        }
        let path = trust.validatePath(leaf: maker, untrusted: [], at: made, cache: cache)
        guard path == .valid else {
            let (indication, sub, detail) = Self.classify(path, hasProof: false)
            return .failed(.sealCertificate, indication, sub, "the seal maker's certificate: \(detail)")
        }
        return .passed(.sealCertificate, "the seal maker's certificate chains to a trusted root and was valid when the seal was made")
    }

    /// Versions 4 and 5 leave the signer's certificate outside TBS_Sign: only the seal's
    /// certificate list binds it (type 1 by the certificate's bytes, type 2 by its hash).
    static func certificateListCheck(_ seal: ElectronicSeal, signer: Certificate, version: ElectronicSeal.Version) -> VerificationCheck {
        let listed: Bool
        switch seal.property.certificates {
        case .certificates(let certificates): listed = certificates.contains(signer.der)
        case .digests(let digests):
            listed = digests.contains { digest in
                [DigestAlgorithm.sm3, .sha256].contains { constantTimeEqual($0.hash(signer.der), digest.value) }
            }
        case .identifiers: listed = false
        }
        if listed { return .passed(.signingCertificate, "the signer's certificate is in the seal's certificate list") }
        // Version 1 signs the signer's certificate inside TBS_Sign, and its lists often hold
        // only identifiers: the signature itself binds the certificate.
        if version == .v1 { return .skipped(.signingCertificate, "a version 1 signature covers its signer's certificate itself; the seal does not list it") }
        return .failed(.signingCertificate, .totalFailed, .sigConstraintsFailure,
                       "the signer's certificate is not in the seal's certificate list (another's seal)")
    }

    /// The seal's own validity period at the signing time.
    static func sealValidityCheck(_ seal: ElectronicSeal, at time: Date, proven: Bool) -> VerificationCheck {
        let period = "\(seal.property.validStart.rfc3339) to \(seal.property.validEnd.rfc3339)"
        if time < seal.property.validStart {
            return .failed(.sealValidity, proven ? .totalFailed : .indeterminate, .notYetValid, "the seal was not yet valid when used (\(period))")
        }
        if time > seal.property.validEnd {
            return .failed(.sealValidity, proven ? .totalFailed : .indeterminate, proven ? .expired : .outOfBoundsNoPOE,
                           "the seal had expired when used (\(period))")
        }
        return .passed(.sealValidity, "the seal was valid when used (\(period))")
    }

    /// An SM2-with-SM3 signature (standard user ID) in DER, or raw r ‖ s as some producers write.
    static func sm2Verifies(_ signature: [UInt8], over message: [UInt8], by certificate: Certificate, algorithm: String) -> Bool {
        guard algorithm == SignedMessage.sm2WithSM3, let key = certificate.publicKey(), key.algorithm == .sm2 else { return false }
        return key.isValidSignature(signature.count == 64 ? SM2Signature.der(raw: signature) : signature, for: message)
    }
}

extension ElectronicSeal.Version {
    /// The standard this version of the structures comes from.
    public var standard: String {
        switch self {
        case .v1: "GM/T 0031-2014"
        case .v4: "GB/T 38540-2020"
        case .v5: "GM/T 0031-2025"
        }
    }
}

/// SM2 signature encodings (GB/T 35276 §7.3 and GM/T 0009).
enum SM2Signature {
    /// SEQUENCE { r INTEGER, s INTEGER } from raw 32-byte r ‖ s.
    static func der(raw: [UInt8]) -> [UInt8] {
        func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            var content = Array(bytes.drop { $0 == 0 })
            if content.isEmpty || content[0] & 0x80 != 0 { content.insert(0, at: 0) }
            return [0x02, UInt8(content.count)] + content
        }
        let body = integer(raw[0..<32]) + integer(raw[32..<64])
        return [0x30, UInt8(body.count)] + body
    }
}
