/// A page as the page tree gives it: its object and the attributes it inherits (§7.7.3.4).
public struct PDFPage: Sendable {
    public let reference: PDFReference
    public let dictionary: PDFDictionary
    /// [llx lly urx ury] in points: the crop box, or the media box when there is none.
    public let box: [Double]
}

extension PDFObjectTable {
    /// The document's pages in order, by walking the page tree from the catalog. A loop in the
    /// tree or more than `limit` pages is refused.
    public func pages(root: PDFReference, limit: Int = 100_000) throws(PDFError) -> [PDFPage] {
        guard let catalog = try dictionary(.reference(root)), let tree = catalog["Pages"]?.reference else {
            throw .missing("a page tree (/Pages in the catalog)")
        }
        var pages: [PDFPage] = []
        var visited = Set<PDFReference>()
        func walk(_ reference: PDFReference, inherited: PDFDictionary, depth: Int) throws(PDFError) {
            guard depth < 64, visited.insert(reference).inserted else { throw .malformed("the page tree loops at \(reference)", offset: nil) }
            guard let node = try dictionary(.reference(reference)) else { throw .malformed("page tree node \(reference) is not a dictionary", offset: nil) }
            var attributes = inherited
            for key in ["MediaBox", "CropBox", "Rotate", "Resources"] where node[key] != nil { attributes[key] = node[key] }
            if node["Type"]?.name == "Pages" || (node["Type"] == nil && node["Kids"] != nil) {
                guard let kids = try resolve(node["Kids"]).array else { throw .malformed("page tree node \(reference) has no /Kids", offset: nil) }
                for kid in kids {
                    guard let child = kid.reference else { throw .malformed("a /Kids entry of \(reference) is not a reference", offset: nil) }
                    try walk(child, inherited: attributes, depth: depth + 1)
                }
            } else {
                guard pages.count < limit else { throw .refused("the PDF has more than \(limit) pages") }
                var box = try rectangle(attributes["CropBox"])
                if box == nil { box = try rectangle(attributes["MediaBox"]) }
                guard let box else { throw .malformed("page \(pages.count + 1) has no /MediaBox", offset: nil) }
                pages.append(PDFPage(reference: reference, dictionary: node, box: box))
            }
        }
        try walk(tree, inherited: PDFDictionary(), depth: 0)
        guard !pages.isEmpty else { throw .missing("pages") }
        return pages
    }

    /// Page `number` (1-based; nil: the last) and how many pages there are, reading only the
    /// nodes on the way down: a node whose `/Count` equals its number of kids has one page per
    /// kid, so the right kid is known without reading its siblings. A `/Count` that lies is
    /// caught where it stops adding up.
    public func page(root: PDFReference, number: Int?) throws(PDFError) -> (page: PDFPage, count: Int) {
        guard let catalog = try dictionary(.reference(root)), let tree = catalog["Pages"]?.reference,
              let top = try dictionary(.reference(tree)) else { throw .missing("a page tree (/Pages in the catalog)") }
        guard let total = try resolve(top["Count"]).integer, total > 0 else { throw .missing("pages (the page tree's /Count)") }
        let wanted = number ?? total
        guard wanted >= 1, wanted <= total else { throw .refused("page \(wanted) is not in the document (it has \(total))") }
        var (reference, node, remaining, attributes) = (tree, top, wanted, PDFDictionary())
        var visited = Set<PDFReference>()
        while true {
            guard visited.insert(reference).inserted, visited.count < 64 else { throw .malformed("the page tree loops at \(reference)", offset: nil) }
            for key in ["MediaBox", "CropBox", "Rotate", "Resources"] where node[key] != nil { attributes[key] = node[key] }
            guard node["Type"]?.name == "Pages" || (node["Type"] == nil && node["Kids"] != nil) else { break }
            guard let kids = try resolve(node["Kids"]).array, !kids.isEmpty else { throw .malformed("page tree node \(reference) has no /Kids", offset: nil) }
            let count = try resolve(node["Count"]).integer
            var next: (PDFReference, PDFDictionary)? = nil
            if count == kids.count, let kid = kids[remaining - 1].reference, let child = try dictionary(.reference(kid)) {
                next = (kid, child)
                remaining = 1
            } else {
                for kid in kids {
                    guard let kidReference = kid.reference, let child = try dictionary(.reference(kidReference)) else {
                        throw .malformed("a /Kids entry of \(reference) is not a page tree node", offset: nil)
                    }
                    let leaves = child["Type"]?.name == "Page" ? 1 : (try resolve(child["Count"]).integer ?? 0)
                    if remaining <= leaves {
                        next = (kidReference, child)
                        break
                    }
                    remaining -= leaves
                }
            }
            guard let (kid, child) = next else { throw .malformed("the page tree's /Count does not add up", offset: nil) }
            (reference, node) = (kid, child)
        }
        guard remaining == 1 else { throw .malformed("the page tree's /Count does not add up", offset: nil) }
        var box = try rectangle(attributes["CropBox"])
        if box == nil { box = try rectangle(attributes["MediaBox"]) }
        guard let box else { throw .malformed("page \(wanted) has no /MediaBox", offset: nil) }
        return (PDFPage(reference: reference, dictionary: node, box: box), total)
    }

    /// A rectangle [llx lly urx ury], normalized so that ll is the lower left.
    public func rectangle(_ object: PDFObject?) throws(PDFError) -> [Double]? {
        guard let object, let items = try resolve(object).array else { return nil }
        var values: [Double] = []
        for item in items {
            guard let value = try resolve(item).number else { return nil }
            values.append(value)
        }
        guard values.count == 4 else { return nil }
        return [min(values[0], values[2]), min(values[1], values[3]), max(values[0], values[2]), max(values[1], values[3])]
    }
}
