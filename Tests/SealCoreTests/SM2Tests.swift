import Foundation
import Testing
import SealTestSupport
@testable import SealCore

/// SM2 with SM3 through the algorithm table: keys, certificates, CRLs and time-stamp tokens, each
/// checked by OpenSSL's command line with the GB/T 35276 user ID given explicitly, and refused by
/// it with OpenSSL 3.0's empty default ID (which is how we know the ID was set, not defaulted).
@Suite struct SM2Tests {
    static let distinguishingID = "distid:1234567812345678"

    static func write(_ files: [String: [UInt8]], in directory: URL) throws {
        for (name, bytes) in files { try Data(bytes).write(to: directory.appendingPathComponent(name)) }
    }

    @Test func signaturesUseTheStandardUserID() throws {
        let key = try PrivateKey.generate(.sm2)
        #expect(key.algorithm == .sm2)
        #expect(SignatureAlgorithm.sm2.digest == .sm3)
        let message = Array("营业执照 business licence".utf8)
        let signature = try key.sign(message)
        let scratch = try TestSupport.scratchDirectory("sm2")
        defer { TestSupport.cleanUp(scratch) }
        try Self.write(["message.bin": message, "signature.der": signature, "key.der": try key.publicKeyDER()], in: scratch)
        let standard = try TestSupport.run("openssl", ["dgst", "-sm3", "-verify", "key.der", "-keyform", "DER", "-sigopt", Self.distinguishingID,
                                                       "-signature", "signature.der", "message.bin"], in: scratch)
        #expect(standard.stdout.contains("Verified OK"), "\(standard.stderr)")
        let empty = try TestSupport.run("openssl", ["dgst", "-sm3", "-verify", "key.der", "-keyform", "DER",
                                                    "-signature", "signature.der", "message.bin"], in: scratch)
        #expect(empty.status != 0)
        let publicKey = try PublicKey(spki: key.publicKeyDER())
        #expect(publicKey.algorithm == .sm2)
        #expect(publicKey.isValidSignature(signature, for: message))
        #expect(!publicKey.isValidSignature(signature, for: message + [0]))
    }

    @Test func encryptedKeysReadBackAsSM2() throws {
        let key = try PrivateKey.generate(.sm2)
        let passphrase = try Passphrase("sm2 passphrase")
        let pem = try key.pem(passphrase: passphrase)
        #expect(pem.starts(with: Array("-----BEGIN ENCRYPTED PRIVATE KEY-----".utf8)))
        let read = try PrivateKey(pem: pem, passphrase: passphrase)
        #expect(read.algorithm == .sm2)
        #expect(try read.publicKeyDER() == key.publicKeyDER())
    }

    /// A three-level chain: `openssl verify -vfyopt` sets the ID on the leaf only, so OpenSSL's
    /// command line checks each certificate against its issuer as a two-level chain; Seal's own
    /// path validation sets it on every certificate and takes the whole chain.
    @Test func certificateChainsVerifyAtEveryLevel() throws {
        let authority = try TestAuthority(algorithm: .sm2)
        let intermediateKey = try PrivateKey.generate(.sm2)
        var profile = CertificateProfile.root(name: "Provincial Sub-Authority", from: authority.now.adding(days: -1), years: 5)
        profile.subject = DistinguishedName(commonName: "Provincial Sub-Authority", organization: "Test Authority")
        let intermediate = try Certificate.issue(profile, for: intermediateKey, issuer: authority.root, issuerKey: authority.rootKey)
        let leafKey = try PrivateKey.generate(.sm2)
        let leaf = try Certificate.issue(.departmentSeal(department: "Market Regulation", organizationIdentifier: nil, authority: "Test Authority",
                                                         from: authority.now.adding(days: -1), days: 30),
                                         for: leafKey, issuer: intermediate, issuerKey: intermediateKey)
        #expect(leaf.algorithm == .sm2)
        #expect(authority.root.algorithm == .sm2)
        let scratch = try TestSupport.scratchDirectory("sm2-chain")
        defer { TestSupport.cleanUp(scratch) }
        try Self.write(["root.pem": Array(authority.root.pem.utf8), "intermediate.pem": Array(intermediate.pem.utf8),
                        "leaf.pem": Array(leaf.pem.utf8)], in: scratch)
        for (issuer, subject) in [("root.pem", "intermediate.pem"), ("intermediate.pem", "leaf.pem")] {
            let standard = try TestSupport.run("openssl", ["verify", "-vfyopt", Self.distinguishingID, "-partial_chain",
                                                           "-CAfile", issuer, subject], in: scratch)
            #expect(standard.status == 0, "\(subject): \(standard.stderr)")
            let empty = try TestSupport.run("openssl", ["verify", "-partial_chain", "-CAfile", issuer, subject], in: scratch)
            #expect(empty.status != 0, "\(subject) verified with an empty ID")
        }
        let anchors = TrustAnchors(roots: [authority.root])
        #expect(anchors.validatePath(leaf: leaf, untrusted: [intermediate], at: authority.now, cache: VerificationCache()) == .valid)
        // Another authority's SM2 root does not anchor the chain.
        let stranger = try TestAuthority(algorithm: .sm2)
        #expect(TrustAnchors(roots: [stranger.root]).validatePath(leaf: leaf, untrusted: [intermediate], at: authority.now,
                                                                   cache: VerificationCache()) != .valid)
    }

    /// OpenSSL 3.0 cannot check an SM2 CRL's signature with any ID but the empty one, so the
    /// signature is checked over tbsCertList cut out by `openssl asn1parse`.
    @Test func revocationListsAreSignedWithTheStandardUserID() throws {
        let authority = try TestAuthority(algorithm: .sm2)
        let (_, department) = try authority.department(algorithm: .sm2)
        let crl = try RevocationList.issue(by: authority.root, key: authority.rootKey, number: 1, thisUpdate: authority.now,
                                           nextUpdate: authority.now.adding(days: 7),
                                           revoked: [RevokedCertificate(serialNumber: department.serialNumber,
                                                                        revocationDate: authority.now, reason: .keyCompromise,
                                                                        invalidityDate: nil)])
        #expect(crl.isIssued(by: authority.root))
        #expect(crl.entry(for: department)?.reason == .keyCompromise)
        #expect(!crl.isIssued(by: try TestAuthority(algorithm: .sm2).root))
        let der = try crl.der
        var altered = der
        altered[altered.count - 5] ^= 0x01
        #expect(!(try RevocationList(bytes: altered)).isIssued(by: authority.root))

        let scratch = try TestSupport.scratchDirectory("sm2-crl")
        defer { TestSupport.cleanUp(scratch) }
        try Self.write(["crl.der": der, "root.der": authority.root.der], in: scratch)
        let text = try TestSupport.run("openssl", ["crl", "-inform", "DER", "-in", "crl.der", "-noout", "-text"], in: scratch)
        #expect(text.stdout.contains("SM2-with-SM3"), "\(text.stderr)")
        #expect(text.stdout.contains(department.serialNumber))
        let tbs = try TestSupport.run("openssl", ["asn1parse", "-inform", "DER", "-in", "crl.der", "-strparse", "4", "-noout",
                                                  "-out", "tbs.der"], in: scratch)
        #expect(tbs.status == 0, "\(tbs.stderr)")
        let root = try TestSupport.run("openssl", ["x509", "-inform", "DER", "-in", "root.der", "-pubkey", "-noout", "-out", "root-key.pem"],
                                       in: scratch)
        #expect(root.status == 0)
        let layout = try TestSupport.run("openssl", ["asn1parse", "-inform", "DER", "-in", "crl.der"], in: scratch)
        // The last line is the signature BIT STRING ("  426:d=1  hl=2 l=  72 prim: BIT STRING"):
        // skip its header and the unused-bits byte.
        let last = try #require(layout.stdout.split(separator: "\n").last)
        #expect(last.contains("BIT STRING"))
        let offset = try #require(Int(last.prefix { $0 != ":" }.trimmingCharacters(in: .whitespaces)))
        let headerLength = try #require(last.firstMatch(of: /hl=(\d+)/).flatMap { Int($0.1) })
        try Self.write(["signature.der": Array(der[(offset + headerLength + 1)...])], in: scratch)
        let verify = try TestSupport.run("openssl", ["dgst", "-sm3", "-verify", "root-key.pem", "-sigopt", Self.distinguishingID,
                                                     "-signature", "signature.der", "tbs.der"], in: scratch)
        #expect(verify.stdout.contains("Verified OK"), "\(verify.stderr)")
    }

    /// An SM2 time-stamping unit's token over an SM3 imprint verifies, and the same token with
    /// another imprint expected does not.
    @Test func timeStampTokensFromAnSM2Unit() throws {
        let authority = try TestAuthority(algorithm: .sm2)
        let imprint = DigestAlgorithm.sm3.hash(Array("signature value".utf8))
        let token = try authority.tsa.timestamp(imprint: imprint, algorithm: .sm3)
        let verdict = authority.verifier.verifyTimeStamp(token) { $0 == .sm3 ? imprint : nil }
        #expect(verdict.time == Date(timeIntervalSince1970: authority.now.timeIntervalSince1970.rounded(.down)),
                "\(verdict.checks.filter { $0.outcome == .failed })")
        let other = authority.verifier.verifyTimeStamp(token) { $0 == .sm3 ? DigestAlgorithm.sm3.hash([1]) : nil }
        #expect(other.time == nil)
        #expect(other.checks.contains { $0.outcome == .failed })
    }
}
