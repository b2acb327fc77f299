/// Decimal digits written straight into a byte buffer: a PDF's numbers and cross-reference rows,
/// an OID's arcs. Formatting each through a String allocated per number, which showed in
/// sealing and verifying PDFs.
public enum DecimalDigits {
    /// Appends `value` in decimal, zero-padded to at least `width` digits.
    public static func append(_ value: UInt64, width: Int = 1, to out: inout [UInt8]) {
        var remaining = value, digits: (UInt64, UInt64, UInt64) = (0, 0, 0), count = 0
        // Up to 20 digits, least significant first, in 24 bytes on the stack.
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
                count += 1
            } while remaining > 0
            for _ in count..<max(count, width) { out.append(UInt8(ascii: "0")) }
            for index in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[index]) }
        }
    }
}
