public import SwiftASN1

/// Writes the CMS structures of `CMS.swift` (and receipts) into one growing buffer. swift-asn1
/// stays the toolkit for types and parsing, but its `DER.Serializer` gives every nested node a
/// buffer of its own (1 KiB reserved) and copies it into the parent, and a seal nests its
/// time-stamp token eight levels deep. Measured with `perf` on one core: nesting and set
/// sorting through it were about 30% of a seal's time; writing in place took sealing from 51% to
/// 71-75% of raw sign / 2 in the same runs. A constructed node reserves one length byte and
/// moves its content once only when the length needs more.
package struct DERWriter {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    /// A constructed node with `identifier` around what `body` writes.
    package mutating func constructed(_ identifier: ASN1Identifier, _ body: (inout DERWriter) throws -> Void) rethrows {
        bytes.append(Self.tag(identifier, constructed: true))
        bytes.append(0)
        let start = bytes.count
        try body(&self)
        let length = bytes.count - start
        guard length >= 0x80 else {
            bytes[start - 1] = UInt8(length)
            return
        }
        let octets = Self.lengthOctets(length)
        bytes[start - 1] = 0x80 | UInt8(octets)
        bytes.insert(contentsOf: repeatElement(0, count: octets), at: start)
        for index in 0..<octets {
            bytes[start + index] = UInt8(truncatingIfNeeded: length >> (8 * (octets - 1 - index)))
        }
    }

    /// A primitive node with a one-byte `tag`.
    package mutating func primitive(_ tag: UInt8, _ content: some Collection<UInt8>) {
        bytes.append(tag)
        appendLength(content.count)
        bytes.append(contentsOf: content)
    }

    /// An element with the one-byte `tag` whose content is `parts` in order.
    package mutating func element(_ tag: UInt8, _ parts: [ArraySlice<UInt8>]) {
        bytes.append(tag)
        appendLength(parts.reduce(0) { $0 + $1.count })
        for part in parts { bytes.append(contentsOf: part) }
    }

    /// Whole DER elements as they are.
    package mutating func raw(_ der: some Collection<UInt8>) { bytes.append(contentsOf: der) }

    /// A whole DER element with its (one-byte) tag replaced: a SET written with an implicit tag.
    package mutating func raw(_ der: [UInt8], retagged identifier: ASN1Identifier) {
        precondition(!der.isEmpty)
        bytes.append(Self.tag(identifier, constructed: der[0] & 0x20 != 0))
        bytes.append(contentsOf: der[1...])
    }

    mutating func write(_ value: some DERWritable) throws { try value.write(to: &self) }

    /// A value of swift-asn1's own types (times), through its serializer.
    package mutating func serialize(_ value: some DERSerializable) throws {
        var coder = DER.Serializer()
        try coder.serialize(value)
        bytes.append(contentsOf: coder.serializedBytes)
    }

    package mutating func oid(_ oid: OID) { primitive(0x06, oid.content) }

    package mutating func octetString(_ content: some Collection<UInt8>) { primitive(0x04, content) }

    /// An INTEGER given by its content octets (already minimal, as serials are drawn).
    package mutating func integer(contentOctets: some Collection<UInt8>) { primitive(0x02, contentOctets) }

    /// An INTEGER (versions, accuracy): two's complement, minimal.
    package mutating func integer(_ value: Int) {
        var content = withUnsafeBytes(of: value.bigEndian) { Array($0) }
        while content.count > 1, (content[0] == 0x00 && content[1] & 0x80 == 0) || (content[0] == 0xFF && content[1] & 0x80 != 0) {
            content.removeFirst()
        }
        primitive(0x02, content)
    }

    /// A SET OF in DER order (X.690 §11.6).
    mutating func set(_ elements: [EncodedDER], identifier: ASN1Identifier = .set) {
        constructed(identifier) { writer in
            let ordered = elements.count < 2 ? elements : elements.sorted(by: EncodedDER.setOrder)
            for element in ordered { writer.raw(element.bytes) }
        }
    }

    /// A SET OF values: one member is written in place (most sets here have one), more are
    /// encoded apart to be put in DER order.
    mutating func set(of elements: [some DERWritable], identifier: ASN1Identifier = .set) throws {
        guard elements.count == 1 else {
            set(try elements.map { try EncodedDER(writing: $0) }, identifier: identifier)
            return
        }
        try constructed(identifier) { try elements[0].write(to: &$0) }
    }

    private mutating func appendLength(_ length: Int) {
        guard length >= 0x80 else {
            bytes.append(UInt8(length))
            return
        }
        let octets = Self.lengthOctets(length)
        bytes.append(0x80 | UInt8(octets))
        for index in (0..<octets).reversed() { bytes.append(UInt8(truncatingIfNeeded: length >> (8 * index))) }
    }

    private static func lengthOctets(_ length: Int) -> Int {
        (Int.bitWidth - length.leadingZeroBitCount + 7) / 8
    }

    /// The one identifier octet of a low tag number (all Seal writes).
    static func tag(_ identifier: ASN1Identifier, constructed: Bool) -> UInt8 {
        precondition(identifier.tagNumber < 31, "multi-byte tags are not written")
        let tagClass: UInt8 = switch identifier.tagClass {
        case .universal: 0x00
        case .application: 0x40
        case .contextSpecific: 0x80
        case .private: 0xC0
        }
        return tagClass | (constructed ? 0x20 : 0) | UInt8(identifier.tagNumber)
    }
}

/// A structure Seal writes with `DERWriter` (under its default identifier).
protocol DERWritable {
    func write(to writer: inout DERWriter) throws
}

extension DERWritable {
    /// The whole DER encoding.
    func derEncoded(capacity: Int = 256) throws -> [UInt8] {
        var writer = DERWriter(capacity: capacity)
        try write(to: &writer)
        return writer.bytes
    }
}

extension DERWritable where Self: DERImplicitlyTaggable {
    /// swift-asn1's view of the same encoding, under any (low) tag.
    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        let encoded = try derEncoded()
        if identifier == Self.defaultIdentifier {
            coder.serializeRawBytes(encoded)
        } else {
            var writer = DERWriter(capacity: encoded.count)
            writer.raw(encoded, retagged: identifier)
            coder.serializeRawBytes(writer.bytes)
        }
    }
}
