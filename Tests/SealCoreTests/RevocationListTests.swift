import Foundation
import Testing
@testable import SealCore

/// CRLs carried in documents are parsed once per exact bytes, and only small ones are kept.
@Suite struct RevocationListTests {
    static func crl(_ authority: TestAuthority, revoking serials: [String]) throws -> RevocationList {
        try RevocationList.issue(by: authority.root, key: authority.rootKey, number: 1, thisUpdate: authority.now,
                                 nextUpdate: authority.now.adding(days: 7),
                                 revoked: serials.map { RevokedCertificate(serialNumber: $0, revocationDate: authority.now,
                                                                           reason: .keyCompromise, invalidityDate: nil) })
    }

    /// What verification reads of a certificate or a CRL is kept per parsed object; each value
    /// stays its own, in whatever order they are first read.
    @Test func keptReadingsStayTheirOwn() throws {
        let authority = try TestAuthority()
        let (_, department) = try authority.department()
        #expect(department.issuer.commonName == "Test Authority")
        #expect(department.subject.commonName == "Civil Registry")
        #expect(department.issuer.commonName == "Test Authority")
        #expect(department.fingerprint == DigestAlgorithm.sha256.hash(department.der).hex)
        #expect(department.serialNumber != authority.root.serialNumber)
        #expect(department.serialNumber == (try Certificate(der: department.der)).serialNumber)
        let crl = try Self.crl(authority, revoking: [department.serialNumber])
        let der = try crl.der
        #expect(try crl.der == der)
        #expect(try RevocationList(bytes: der).der == der)
    }

    @Test func aCarriedCRLIsSharedByItsExactBytes() throws {
        let authority = try TestAuthority()
        let (_, department) = try authority.department()
        let der = try Self.crl(authority, revoking: [department.serialNumber]).der
        let first = try RevocationList.carried(der), second = try RevocationList.carried(der)
        #expect(first.pointer == second.pointer)
        #expect(second.isIssued(by: authority.root))
        #expect(second.entry(for: department)?.reason == .keyCompromise)

        var altered = der
        altered[altered.count - 5] ^= 0x01
        let other = try RevocationList.carried(altered)
        #expect(other.pointer != first.pointer)
        #expect(!other.isIssued(by: authority.root))
        #expect(throws: RevocationList.ParseError.self) { try RevocationList.carried([0x30, 0x00]) }
    }

    @Test func aLargeCarriedCRLIsParsedEachTime() throws {
        let authority = try TestAuthority()
        let serials = (1...8_000).map { String(format: "%06X", $0) }
        let der = try Self.crl(authority, revoking: serials).der
        #expect(der.count > RevocationList.carriedCacheLimit)
        let first = try RevocationList.carried(der), second = try RevocationList.carried(der)
        #expect(first.pointer != second.pointer)
        #expect(second.isIssued(by: authority.root))
    }
}
