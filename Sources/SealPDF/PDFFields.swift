/// A form field of the document's AcroForm (§12.7.3), with what it inherits from its parents.
public struct PDFField: Sendable {
    public let reference: PDFReference
    public let dictionary: PDFDictionary
    /// The fully qualified name: partial names (`/T`) joined by periods.
    public let name: String
    /// The field type (`/FT`), inherited: "Sig" for a signature field.
    public let type: String?
    /// The value (`/V`), inherited: a signature field's signature dictionary.
    public let value: PDFObject?
}

extension PDFObjectTable {
    /// The catalog's AcroForm, if any.
    public func acroForm(root: PDFReference) throws(PDFError) -> PDFDictionary? {
        try dictionary(try dictionary(.reference(root))?["AcroForm"])
    }

    /// A field's type (`/FT`), read through a reference as any value may be; `inherited` (its
    /// parent's) when it has none. An indirect `/FT` once read as no type: a signature field
    /// so written was no signature field to the checks of later revisions.
    func fieldType(_ field: PDFDictionary, inherited: String?) throws(PDFError) -> String? {
        guard let type = field["FT"] else { return inherited }
        return try resolve(type).name
    }

    /// A field's own value for an inheritable key (`/FT`, `/V`), or the nearest ancestor's
    /// through `/Parent` (§12.7.3.1): a field two levels below its `/FT /Sig` once read as a
    /// field of no type. A parent chain that loops, or is deeper than `fields` walks, is refused.
    func inherited(_ key: String, of field: PDFDictionary) throws(PDFError) -> PDFObject? {
        var current = field
        var visited = Set<PDFReference>()
        for _ in 0..<32 {
            if let value = current[key] { return value }
            guard let parent = current["Parent"] else { return nil }
            if let reference = parent.reference, !visited.insert(reference).inserted {
                throw .malformed("the form fields' parents loop at \(reference)", offset: nil)
            }
            guard let next = try dictionary(parent) else { return nil }
            current = next
        }
        throw .malformed("a form field has more than 32 ancestors", offset: nil)
    }

    /// Whether a field's type, its own or inherited from any ancestor, is a signature field's.
    func isSignatureField(_ field: PDFDictionary) throws(PDFError) -> Bool {
        guard let type = try inherited("FT", of: field) else { return false }
        return try resolve(type).name == "Sig"
    }

    /// Every terminal field of the AcroForm, depth first. A loop among fields is refused.
    public func fields(root: PDFReference, limit: Int = 100_000) throws(PDFError) -> [PDFField] {
        guard let form = try acroForm(root: root), let top = try resolve(form["Fields"]).array else { return [] }
        var fields: [PDFField] = []
        var visited = Set<PDFReference>()
        func walk(_ object: PDFObject, parentName: String?, type: String?, value: PDFObject?, depth: Int) throws(PDFError) {
            guard let reference = object.reference else { return }
            guard depth < 32, visited.insert(reference).inserted else { throw .malformed("the form fields loop at \(reference)", offset: nil) }
            guard fields.count < limit else { throw .refused("the PDF has more than \(limit) form fields") }
            guard let field = try dictionary(object) else { return }
            let partial = field["T"]?.text
            let name = [parentName, partial].compactMap { $0 }.joined(separator: ".")
            let type = try fieldType(field, inherited: type)
            let value = field["V"] ?? value
            // Kids with a /T are fields; kids without are only the field's widgets.
            let kids = try resolve(field["Kids"]).array ?? []
            var childFields: [PDFObject] = []
            for kid in kids where try self.dictionary(kid)?["T"] != nil { childFields.append(kid) }
            if childFields.isEmpty {
                fields.append(PDFField(reference: reference, dictionary: field, name: name, type: type, value: value))
            } else {
                for kid in childFields { try walk(kid, parentName: name.isEmpty ? nil : name, type: type, value: value, depth: depth + 1) }
            }
        }
        for field in top { try walk(field, parentName: nil, type: nil, value: nil, depth: 0) }
        return fields
    }
}
