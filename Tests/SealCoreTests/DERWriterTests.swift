import Testing
import SwiftASN1
@testable import SealCore

/// `DERWriter` against swift-asn1's serializer, the independent encoder it replaces on the
/// sealing path: the same bytes for every length form, INTEGER and nesting.
@Suite struct DERWriterTests {
    private func swiftASN1(_ body: (inout DER.Serializer) throws -> Void) rethrows -> [UInt8] {
        var coder = DER.Serializer()
        try body(&coder)
        return coder.serializedBytes
    }

    @Test(arguments: [0, 1, 127, 128, 255, 256, 65_535, 65_536, 70_000])
    func lengthsMatchSwiftASN1(length: Int) throws {
        let content = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
        var writer = DERWriter()
        writer.constructed(.sequence) { writer in
            writer.constructed(ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { $0.octetString(content) }
        }
        let expected = try swiftASN1 { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) {
                    try $0.serialize(ASN1OctetString(contentBytes: ArraySlice(content)))
                }
            }
        }
        #expect(writer.bytes == expected)
        // And it parses back to the same content.
        let node = try DER.parse(writer.bytes)
        guard case .constructed(let outer) = node.content, let tagged = outer.first(where: { _ in true }),
              case .constructed(let inner) = tagged.content, let octets = inner.first(where: { _ in true }) else {
            Issue.record("not nested as written")
            return
        }
        #expect(try ASN1OctetString(derEncoded: octets).bytes == ArraySlice(content))
    }

    @Test(arguments: [0, 1, 127, 128, 255, 256, 32_767, 32_768, -1, -128, -129, Int.max, Int.min])
    func integersMatchSwiftASN1(value: Int) throws {
        var writer = DERWriter()
        writer.integer(value)
        #expect(writer.bytes == (try swiftASN1 { try $0.serialize(value) }))
    }

    @Test func setsAreInDEROrderAndOneMemberIsWrittenInPlace() throws {
        let long = EncodedDER(encoded: [0x04, 0x02, 0x00, 0x00])
        let short = EncodedDER(encoded: [0x04, 0x01, 0xFF])
        var writer = DERWriter()
        writer.set([long, short])
        #expect(writer.bytes == [0x31, 0x07, 0x04, 0x01, 0xFF, 0x04, 0x02, 0x00, 0x00])

        var single = DERWriter()
        try single.set(of: [AlgorithmIdentifier(.sha256, null: true)], identifier: ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific))
        #expect(single.bytes == [0xA1, 0x0F, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00])
    }

    @Test func retaggingKeepsTheContent() {
        var writer = DERWriter()
        writer.raw([0x31, 0x03, 0x02, 0x01, 0x05], retagged: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific))
        #expect(writer.bytes == [0xA0, 0x03, 0x02, 0x01, 0x05])
    }
}
