import Foundation
import Testing
@testable import SealCore

/// Signing contexts are set up once per key and purpose and copied for each signature: every
/// copy must sign as a fresh context would, on any thread.
@Suite struct PrivateKeyTests {
    @Test(arguments: [SignatureAlgorithm.ecdsaP256, .ecdsaP384, .rsaPSS, .sm2])
    func everySignatureOfOneKeyVerifiesFromAnyThread(algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let publicKey = try PublicKey(spki: try key.publicKeyDER())
        let messages = (0..<16).map { Array("message \($0)".utf8) }
        let signatures = Signatures(count: messages.count)
        DispatchQueue.concurrentPerform(iterations: messages.count) { index in
            signatures.set(index, try? key.sign(messages[index]))
        }
        for (message, signature) in zip(messages, signatures.all) {
            let signature = try #require(signature)
            #expect(publicKey.isValidSignature(signature, for: message))
            #expect(!publicKey.isValidSignature(signature, for: message + [0]))
        }
        // ECDSA, SM2 and PSS draw fresh randomness per signature: a copied context must not
        // repeat its template's.
        let again = try (0..<3).map { _ in try key.sign(messages[0]) }
        #expect(Set(again).count == 3)
    }

    /// RSA keys sign seals with PSS and tokens with PKCS #1 v1.5: each purpose has its own
    /// template, whichever is made first.
    @Test func eachPurposeKeepsItsOwnPadding() throws {
        let key = try PrivateKey.generate(.rsaPSS)
        let publicKey = try PublicKey(spki: try key.publicKeyDER())
        let message = Array("token".utf8)
        let seals = try (0..<2).map { _ in try key.sign(message, for: .seal) }
        let tokens = try (0..<2).map { _ in try key.sign(message, for: .timeStampToken) }
        #expect(seals[0] != seals[1], "PSS is randomized")
        #expect(seals.allSatisfy { publicKey.isValidSignature($0, for: message) })
        #expect(tokens[0] == tokens[1], "PKCS #1 v1.5 is deterministic")
        #expect(!publicKey.isValidSignature(tokens[0], for: message), "a PKCS #1 v1.5 signature is not a PSS one")
    }

    final class Signatures: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [[UInt8]?]
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ value: [UInt8]?) {
            lock.lock()
            values[index] = value
            lock.unlock()
        }
        var all: [[UInt8]?] {
            lock.lock()
            defer { lock.unlock() }
            return values
        }
    }
}
