public import SealCore

/// The document security store (ETSI EN 319 142-1 §5.4.2, ISO 32000-2 §12.8.4.3): the
/// certificates and CRLs a verifier needs years later, added in one more incremental update
/// (PAdES-B-LT). Entries already in the store are kept.
public enum PDFValidationData {
    /// `file` with a revision whose `/DSS` adds `certificates` and `revocationLists` (DER) and,
    /// when `signatureContents` is given, a `/VRI` entry for that signature.
    public static func appended(to file: PDFFile, certificates: [[UInt8]], revocationLists: [[UInt8]],
                                signatureContents: [UInt8]?) throws(PDFError) -> [UInt8] {
        let objects = file.objects
        guard var catalog = try objects.dictionary(.reference(file.root)) else { throw .missing("a catalog") }
        var update = PDFIncrementalUpdate(file)
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
            let key = String(decoding: PDFSerializer.hex(SHA1.hash(signatureContents)), as: UTF8.self)
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
        return update.write().bytes
    }
}
