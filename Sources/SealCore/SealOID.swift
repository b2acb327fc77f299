/// Object identifiers Seal defines. They hang under a UUID-derived arc (ITU-T X.667, `2.25.<uuid>`),
/// which needs no registration and cannot collide with anyone else's.
public enum SealOID {
    /// The project's arc: 2.25 + UUID 4ba2fffb-6e8f-4eaf-a408-b171980c2788 as an integer.
    public static let arc = "2.25.100538443709885653857052931041650288520"
    /// Time-stamping policy of the authority's TSA (TSTInfo.policy).
    public static let timeStampPolicy = arc + ".1.1"
    /// Unsigned attribute carrying the archive receipt (defined by the archive).
    public static let archiveReceipt = arc + ".2.1"

    /// The receipt attribute's type, converted once: its 128-bit arc costs a big-number
    /// conversion, which was 1% of archived sealing when done per seal.
    static let archiveReceiptType = OID(stringLiteral: archiveReceipt)

    /// `dotted` as an OID, without converting the receipt's again.
    static func type(_ dotted: String) -> OID? {
        dotted == archiveReceipt ? archiveReceiptType : OID(dotted: dotted)
    }
}
