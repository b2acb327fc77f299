import Foundation

/// Every file a reader takes the document from, which is what a signature must protect.
extension OFDDocument {
    /// The files what the document shows or carries is read from (zip names), each once, in the
    /// order they are named:
    /// - Document.xml;
    /// - its resource lists (CommonData's PublicRes and DocumentRes, each page's and template's
    ///   PageRes) and the media and font files they name (GB/T 33190 §7.9);
    /// - its templates' and pages' contents;
    /// - its annotation list and each page's annotations (§15), which readers draw on the page;
    /// - its attachment list and each attachment (§20), which are part of what was issued;
    /// - its custom tag list and each tag's file and schema, and its extension list and each
    ///   extension's data file: not drawn, but what software reads the document's
    ///   data from (a tax invoice's amounts and tax IDs are its tag file).
    ///
    /// A signature must protect all of them: any one left out could change what a reader shows
    /// (an image under Res/, a template's text, an annotation), or what a program takes from
    /// the document (a tag naming another amount), without touching what the signature covers.
    ///
    /// A named file the package lacks is listed all the same: nothing can protect it, so no
    /// signature holds while a later revision could add it. A file that is there but cannot be
    /// read is an error, because the files it names cannot be known.
    public func filesRead() throws(OFDError) -> [String] {
        var files = FileList(package: package)
        files.add(documentName)
        let common = documentXML.child("CommonData")
        for list in (common?.all("PublicRes") ?? []) + (common?.all("DocumentRes") ?? []) {
            try files.addResources(try Self.location(list.trimmedText, from: documentName))
        }
        var contents: [String] = []
        for template in common?.all("TemplatePage") ?? [] {
            if let location = template.attributes["BaseLoc"] { contents.append(try Self.location(location, from: documentName)) }
        }
        // Pages as `pages` holds them: one whose location leaves the package has no content.
        for content in contents + pages.compactMap(\.contentName) {
            try files.addPage(content)
        }
        if let list = documentXML.child("Annotations")?.trimmedText, !list.isEmpty {
            try files.addList(try Self.location(list, from: documentName), entries: "Page")
        }
        for (list, entries, locations) in [("Attachments", "Attachment", ["FileLoc"]), ("CustomTags", "CustomTag", ["SchemaLoc", "FileLoc"]),
                                           ("Extensions", "Extension", ["ExtendData"])] {
            if let name = documentXML.child(list)?.trimmedText, !name.isEmpty {
                try files.addList(try Self.location(name, from: documentName), entries: entries, locations: locations)
            }
        }
        return files.names
    }

    /// `location` resolved from `base`, or an error naming the file that holds it.
    static func location(_ location: String, from base: String, under folder: String? = nil) throws(OFDError) -> String {
        // A relative location in a resource list is relative to the list's BaseLoc folder.
        let trimmed = location.trimmingCharacters(in: .whitespacesAndNewlines)
        let folder = folder?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let path = trimmed.hasPrefix("/") || folder.isEmpty ? trimmed : folder + "/" + trimmed
        guard let name = OFDPath.resolve(path, from: base) else {
            throw .badXML(base, "the location \(location.debugDescription) is not a file inside the package")
        }
        return name
    }

    /// The names gathered so far, and the reading of the XML files among them.
    private struct FileList {
        let package: OFDPackage
        private(set) var names: [String] = []
        private var seen: Set<String> = []

        init(package: OFDPackage) { self.package = package }

        /// Adds `name`; true when it is new and in the package (so worth reading).
        @discardableResult
        mutating func add(_ name: String) -> Bool {
            guard seen.insert(name).inserted else { return false }
            names.append(name)
            return package.contains(name)
        }

        /// A resource list and the files its multimedia and fonts name, relative to its BaseLoc.
        mutating func addResources(_ name: String) throws(OFDError) {
            guard add(name) else { return }
            let resources = try OFDXMLNode.parse(try package.file(name), name: name)
            let folder = resources.attributes["BaseLoc"]
            let media = resources.all("MultiMedias").flatMap { $0.all("MultiMedia") }.compactMap { $0.child("MediaFile") }
            let fonts = resources.all("Fonts").flatMap { $0.all("Font") }.compactMap { $0.child("FontFile") }
            for file in media + fonts {
                add(try OFDDocument.location(file.trimmedText, from: name, under: folder))
            }
        }

        /// A page's or template's content and its own resource lists, which precede its Content
        /// (GB/T 33190 CT_Page): the drawing itself is not read.
        mutating func addPage(_ name: String) throws(OFDError) {
            guard add(name) else { return }
            let page = try OFDXMLNode.parse(try package.file(name), name: name, stoppingAt: "Content")
            for list in page.all("PageRes") {
                try addResources(try OFDDocument.location(list.trimmedText, from: name))
            }
        }

        /// A list (annotations, attachments, custom tags, extensions) and the files each of its
        /// `entries` names in its `locations` elements, in that order.
        mutating func addList(_ name: String, entries: String, locations: [String] = ["FileLoc"]) throws(OFDError) {
            guard add(name) else { return }
            let list = try OFDXMLNode.parse(try package.file(name), name: name)
            for entry in list.all(entries) {
                for element in locations.flatMap(entry.all) where !element.trimmedText.isEmpty {
                    add(try OFDDocument.location(element.trimmedText, from: name))
                }
            }
        }
    }
}
