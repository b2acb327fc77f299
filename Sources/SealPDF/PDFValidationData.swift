public import SealCore

/// The document security store (ETSI EN 319 142-1 §5.4.2, ISO 32000-2 §12.8.4.3): the
/// certificates and CRLs a verifier needs years later, added in one more incremental update
/// (PAdES-B-LT). Entries already in the store are kept.
public enum PDFValidationData {
    /// `file` with a revision whose `/DSS` adds `certificates` and `revocationLists` (DER) and,
    /// when `signatureContents` is given, a `/VRI` entry for that signature.
    public static func appended(to file: PDFFile, certificates: [[UInt8]], revocationLists: [[UInt8]],
                                signatureContents: [UInt8]?) throws(PDFError) -> [UInt8] {
        file.bytes + (try update(file, certificates: certificates, revocationLists: revocationLists, signatureContents: signatureContents))
    }

    /// The bytes that revision appends to `file`. `numbersReferredTo`: what the revision
    /// before it skipped (`PDFSealing.numbersReferredTo`), when it is Seal's own.
    public static func update(_ file: PDFFile, certificates: [[UInt8]], revocationLists: [[UInt8]],
                              signatureContents: [UInt8]?, numbersReferredTo: Set<Int>? = nil) throws(PDFError) -> [UInt8] {
        let objects = file.objects
        guard var catalog = try objects.dictionary(.reference(file.root)) else { throw .missing("a catalog") }
        var update = PDFIncrementalUpdate(file, referredTo: numbersReferredTo)
        var store = try objects.dictionary(catalog["DSS"]) ?? PDFDictionary(["Type": .name("DSS")])

        func streams(_ items: [[UInt8]]) -> [PDFObject] {
            items.map { item in
                let reference = update.newReference()
                update.set(reference, .stream(PDFDictionary(), item))
                return .reference(reference)
            }
        }
        let certificateReferences = streams(certificates), crlReferences = streams(revocationLists)
        store["Certs"] = .array((try objects.resolve(store["Certs"]).array ?? []) + certificateReferences)
        if !crlReferences.isEmpty { store["CRLs"] = .array((try objects.resolve(store["CRLs"]).array ?? []) + crlReferences) }
        if let signatureContents {
            // The key is the upper-case hex SHA-1 of the signature's /Contents, as PAdES names it.
            var vri = try objects.dictionary(store["VRI"]) ?? PDFDictionary()
            let key = vriKey(signatureContents)
            vri[key] = .dictionary(PDFDictionary(["Cert": .array(certificateReferences), "CRL": .array(crlReferences)]))
            store["VRI"] = .dictionary(vri)
        }
        if case .reference(let existing)? = catalog["DSS"] {
            update.set(existing, .dictionary(store))
        } else {
            let reference = update.newReference()
            update.set(reference, .dictionary(store))
            catalog["DSS"] = .reference(reference)
            update.set(file.root, .dictionary(catalog))
        }
        return update.appended().tail
    }

    /// The upper-case hex SHA-1 of a signature's /Contents, as PAdES keys the VRI.
    static func vriKey(_ contents: [UInt8]) -> String {
        String(decoding: PDFSerializer.hex(SHA1.hash(contents)), as: UTF8.self)
    }
}

/// Renewed archive receipts of Seal's seals in a PDF. A seal's first receipt is in its CMS;
/// the CMS cannot change without breaking every later signature that covers it, so a renewed
/// receipt goes into a further revision, in the document information dictionary under
/// `SealReceipt` + the signature's VRI key: metadata that changes nothing a page shows, which
/// validators (pyHanko's DocInfoRule among them) accept after signing, where they refuse keys
/// PAdES does not define in the DSS.
public enum PDFSealReceipts {
    static func key(_ contents: [UInt8]) -> String { "SealReceipt" + PDFValidationData.vriKey(contents) }

    /// The bytes a revision with `receipts` (each for the signature whose /Contents is given)
    /// appends to `file`.
    public static func update(_ file: PDFFile, receipts: [(signatureContents: [UInt8], receipt: [UInt8])]) throws(PDFError) -> [UInt8] {
        var update = PDFIncrementalUpdate(file)
        let existing = file.trailer["Info"]?.reference
        var info = try file.objects.dictionary(existing.map(PDFObject.reference)) ?? PDFDictionary()
        for (contents, receipt) in receipts { info[key(contents)] = .string(receipt) }
        let reference = existing ?? update.newReference()
        update.set(reference, .dictionary(info))
        update.info = reference
        return update.appended().tail
    }

    /// The renewed receipt for the signature with `contents`, if a revision holds one.
    public static func renewed(in file: PDFFile, signatureContents contents: [UInt8]) -> [UInt8]? {
        guard let info = try? file.objects.dictionary(file.trailer["Info"]) else { return nil }
        return info[key(contents)]?.string
    }
}
