import Foundation
import Testing
import SealCore
import SealTestSupport

/// Every ECDSA P-256/SHA-256 and Ed25519 Wycheproof vector through the verification code seals,
/// revocations and checkpoints use. The files hold no "acceptable" cases; any would be counted
/// as a pass either way and listed.
@Suite struct WycheproofTests {
    struct Suite: Decodable {
        struct Group: Decodable {
            struct Key: Decodable { let pk: String? }
            let publicKeyDer: String
            let publicKey: Key?
            let tests: [Case]
        }
        struct Case: Decodable {
            let tcId: Int
            let msg: String
            let sig: String
            let result: String
        }
        let numberOfTests: Int
        let testGroups: [Group]
    }

    func load(_ name: String) throws -> Suite {
        let url = ExternalVectors.url("wycheproof/\(name)")
        return try JSONDecoder().decode(Suite.self, from: try Data(contentsOf: url))
    }

    @Test func ecdsaP256SHA256() throws {
        let suite = try load("ecdsa_secp256r1_sha256_test.json")
        var checked = 0
        var mismatches: [Int] = []
        for group in suite.testGroups {
            let key = try PublicKey(spki: try #require([UInt8](hex: group.publicKeyDer)))
            #expect(key.algorithm == .ecdsaP256)
            for test in group.tests {
                let valid = key.isValidSignature([UInt8](hex: test.sig) ?? [], for: [UInt8](hex: test.msg) ?? [])
                if test.result != "acceptable" && valid != (test.result == "valid") { mismatches.append(test.tcId) }
                checked += 1
            }
        }
        #expect(checked == suite.numberOfTests)
        #expect(mismatches.isEmpty, "tcIds: \(mismatches)")
    }

    @Test func ed25519() throws {
        let suite = try load("ed25519_test.json")
        var checked = 0
        var mismatches: [Int] = []
        for group in suite.testGroups {
            let key = try Ed25519PublicKey(raw: try #require(group.publicKey?.pk.flatMap { [UInt8](hex: $0) }))
            for test in group.tests {
                let valid = key.isValidSignature([UInt8](hex: test.sig) ?? [], for: [UInt8](hex: test.msg) ?? [])
                if test.result != "acceptable" && valid != (test.result == "valid") { mismatches.append(test.tcId) }
                checked += 1
            }
        }
        #expect(checked == suite.numberOfTests)
        #expect(mismatches.isEmpty, "tcIds: \(mismatches)")
    }
}
