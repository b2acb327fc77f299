public import SwiftASN1

/// An OBJECT IDENTIFIER with arcs of any size: the one form in which Seal names OIDs.
/// swift-asn1's `ASN1ObjectIdentifier` refuses arcs beyond 64 bits, and the project's own arc
/// (`SealOID.arc`, 2.25 and a 128-bit UUID) is one, so arcs are converted here in decimal text.
public struct OID: DERImplicitlyTaggable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public static var defaultIdentifier: ASN1Identifier { .objectIdentifier }

    /// The content octets (X.690 §8.19).
    let content: [UInt8]

    /// Nil unless `dotted` is at least two arcs of digits, the first 0–2 and, under 0 and 1, the
    /// second below 40.
    public init?(dotted: String) {
        let arcs = dotted.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) }
        guard arcs.count >= 2, arcs.allSatisfy({ !$0.isEmpty && $0.allSatisfy { (0x30...0x39).contains($0) } && ($0.count == 1 || $0[0] != 0x30) }),
              arcs[0].count == 1, let first = Int(String(decoding: arcs[0], as: UTF8.self)), first <= 2 else { return nil }
        var second = arcs[1].map { Int($0 - 0x30) }
        if first < 2 {
            guard let value = Int(String(decoding: arcs[1], as: UTF8.self)), value < 40 else { return nil }
        }
        // The first two arcs share one subidentifier: 40 × first + second.
        second = Self.adding(first * 40, to: second)
        var content: [UInt8] = []
        for digits in [second] + arcs.dropFirst(2).map({ $0.map { Int($0 - 0x30) } }) {
            content += Self.base128(digits)
        }
        self.content = content
    }

    public init(stringLiteral value: String) {
        guard let oid = OID(dotted: value) else { preconditionFailure("not an OID: \(value)") }
        self = oid
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        guard node.identifier == identifier, case .primitive(let bytes) = node.content else {
            throw ASN1Error.unexpectedFieldType(node.identifier)
        }
        // Every subidentifier minimal (no leading 0x80) and complete (the last octet ends one).
        guard let last = bytes.last, last & 0x80 == 0,
              !zip([0x00] + bytes.dropLast(), bytes).contains(where: { previous, byte in previous & 0x80 == 0 && byte == 0x80 }) else {
            throw ASN1Error.invalidASN1Object(reason: "OID not minimally encoded")
        }
        content = Array(bytes)
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        coder.appendPrimitiveNode(identifier: identifier) { $0.append(contentsOf: content) }
    }

    /// The whole DER encoding (tag, length, content).
    public var der: [UInt8] { [0x06, UInt8(content.count)] + content }

    /// The dotted form.
    public var description: String {
        var arcs: [String] = []
        var digits: [Int] = [0]
        for byte in content {
            digits = Self.adding(Int(byte & 0x7F), to: Self.multiplied(digits, by: 128))
            if byte & 0x80 == 0 {
                arcs.append(String(digits.map { Character(String($0)) }))
                digits = [0]
            }
        }
        guard let head = arcs.first else { return "" }
        // Split the first subidentifier back into the first two arcs.
        let value = head.count <= 2 ? Int(head)! : 80
        let first = value < 40 ? 0 : value < 80 ? 1 : 2
        let second = first < 2 ? String(value - first * 40) : Self.subtracting80(head)
        return ([String(first), second] + arcs.dropFirst()).joined(separator: ".")
    }

    // MARK: decimal digits, most significant first

    private static func base128(_ decimal: [Int]) -> [UInt8] {
        var digits = decimal
        var groups: [UInt8] = []
        repeat {
            var remainder = 0
            var quotient: [Int] = []
            for digit in digits {
                let value = remainder * 10 + digit
                if !quotient.isEmpty || value / 128 > 0 { quotient.append(value / 128) }
                remainder = value % 128
            }
            groups.insert(UInt8(remainder), at: 0)
            digits = quotient
        } while !digits.isEmpty
        for index in groups.indices.dropLast() { groups[index] |= 0x80 }
        return groups
    }

    private static func multiplied(_ digits: [Int], by factor: Int) -> [Int] {
        var result = digits
        var carry = 0
        for index in result.indices.reversed() {
            let value = result[index] * factor + carry
            result[index] = value % 10
            carry = value / 10
        }
        while carry > 0 {
            result.insert(carry % 10, at: 0)
            carry /= 10
        }
        return result
    }

    private static func adding(_ addend: Int, to digits: [Int]) -> [Int] {
        var result = digits
        var carry = addend
        for index in result.indices.reversed() where carry > 0 {
            let value = result[index] + carry
            result[index] = value % 10
            carry = value / 10
        }
        while carry > 0 {
            result.insert(carry % 10, at: 0)
            carry /= 10
        }
        while result.count > 1 && result[0] == 0 { result.removeFirst() }
        return result
    }

    /// `decimal` − 80, for a first subidentifier under arc 2.
    private static func subtracting80(_ decimal: String) -> String {
        var digits = decimal.map { Int(String($0))! }
        var borrow = 80
        for index in digits.indices.reversed() where borrow > 0 {
            var value = digits[index] - borrow % 10
            borrow /= 10
            if value < 0 {
                value += 10
                borrow += 1
            }
            digits[index] = value
        }
        while digits.count > 1 && digits[0] == 0 { digits.removeFirst() }
        return String(digits.map { Character(String($0)) })
    }
}
