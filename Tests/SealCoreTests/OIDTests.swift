import Testing
import SwiftASN1
@testable import SealCore

/// `OID` encodes and reads arcs of any size as OpenSSL does.
@Suite struct OIDTests {
    static let samples = [
        "1.2.840.113549.1.9.16.2.47", "2.16.840.1.101.3.4.2.1", "0.9.2342.19200300.100.1.25", "1.3.6.1.4.1.311.60.2.1.3",
        "2.999.3", "2.25.100538443709885653857052931041650288520.2.1", SealOID.timeStampPolicy, "2.25.0", "1.39",
    ]

    @Test(arguments: samples)
    func encodesAsOpenSSLAndReadsBack(dotted: String) throws {
        let oid = try #require(OID(dotted: dotted))
        #expect(oid.der == ASN1Object(dotted)?.der)
        #expect(oid.description == dotted)
        #expect(try OID(derEncoded: DER.parse(oid.der)) == oid)
    }

    @Test(arguments: ["", "1", "3.1", "1.40", "1.2.", "1..2", "1.02", "01.2", "1.2.x", "-1.2"])
    func refusesWhatIsNotAnOID(text: String) {
        #expect(OID(dotted: text) == nil)
    }

    /// Non-minimal subidentifiers (a leading 0x80) and a truncated last one are refused.
    @Test(arguments: [[0x06, 0x02, 0x80, 0x01], [0x06, 0x02, 0x2A, 0x86], [0x06, 0x03, 0x2A, 0x80, 0x01]] as [[UInt8]])
    func refusesNonMinimalEncodings(der: [UInt8]) {
        #expect(throws: ASN1Error.self) { try OID(derEncoded: DER.parse(der)) }
    }
}
