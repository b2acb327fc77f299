import Foundation
@testable import SealCore

/// An authority, TSA and department made in code for tests (swift-certificates' habit: generate
/// test certificates rather than ship them where possible).
final class TestAuthority: @unchecked Sendable {
    let rootKey: PrivateKey
    let root: Certificate
    let tsaKey: PrivateKey
    let tsaCertificate: Certificate
    let tsa: TimeStampAuthority
    let now: Date

    init(algorithm: SignatureAlgorithm = .ecdsaP256, now: Date = Date()) throws {
        self.now = now
        rootKey = try PrivateKey.generate(algorithm)
        root = try Certificate.issue(.root(name: "Test Authority", from: now.adding(days: -1)),
                                     for: rootKey, issuer: nil, issuerKey: rootKey)
        tsaKey = try PrivateKey.generate(algorithm)
        tsaCertificate = try Certificate.issue(.timeStampAuthority(authority: "Test Authority", from: now.adding(days: -1)),
                                               for: tsaKey, issuer: root, issuerKey: rootKey)
        tsa = try TimeStampAuthority(certificate: tsaCertificate, key: tsaKey, clock: { now })
    }

    func department(_ name: String = "Civil Registry", algorithm: SignatureAlgorithm = .ecdsaP256,
                    profile: ((inout CertificateProfile) -> Void)? = nil) throws -> (PrivateKey, Certificate) {
        let key = try PrivateKey.generate(algorithm)
        var certificateProfile = CertificateProfile.departmentSeal(
            department: name, organizationIdentifier: "11110000MB0000000X", authority: "Test Authority",
            from: now.adding(days: -1), days: 365)
        profile?(&certificateProfile)
        return (key, try Certificate.issue(certificateProfile, for: key, issuer: root, issuerKey: rootKey))
    }

    func signer(algorithm: SignatureAlgorithm = .ecdsaP256, timeStamped: Bool = true) throws -> SealSigner {
        let (key, certificate) = try department(algorithm: algorithm)
        return try SealSigner(certificate: certificate, key: key, timeStampAuthority: timeStamped ? tsa : nil,
                              clock: { [now] in now })
    }

    var verifier: SealVerifier { SealVerifier(trust: TrustAnchors(roots: [root]), clock: { [now] in now }) }
}
