public import Foundation
public import SealCore

/// One new PAdES signature being added to a PDF (ETSI EN 319 142-1): the incremental update
/// that holds its field, widget, appearance and signature dictionary, written with a
/// `/Contents` placeholder, and the byte ranges its CMS must cover. Signing is the caller's;
/// `assemble(cms:)` puts the CMS in the placeholder.
public struct PDFSealing: Sendable {
    /// What the visible stamp shows: the seal's picture and, beneath it, a caption line.
    public struct Appearance: Sendable {
        public var seal: PDFImage
        public var caption: PDFImage?
        /// A last line in Helvetica (the time of sealing): printable ASCII only, which the
        /// standard fonts show without embedding one.
        public var timeLine: String?
        /// The stamp's width on the page when the placement gives none.
        public var widthMillimetres: Double
        public init(seal: PDFImage, caption: PDFImage?, timeLine: String? = nil, widthMillimetres: Double) {
            self.seal = seal
            self.caption = caption
            self.timeLine = timeLine?.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) == true ? timeLine : nil
            self.widthMillimetres = widthMillimetres
        }
    }

    /// The file as it was, parsed (its bytes shared, not copied).
    public let file: PDFFile
    var original: [UInt8] { file.bytes }
    /// The update appended to it, `/ByteRange` set and `/Contents` all zeros.
    let tail: [UInt8]
    /// [offset, length, offset, length] in the whole file: everything but the `/Contents` string.
    public let byteRange: [Int]
    /// The field the signature went into.
    public let fieldName: String
    /// Where the hex digits of `/Contents` are in the whole file (between its angle brackets).
    let contentsDigits: Range<Int>
    /// The numbers the file refers to without holding, which the seal's revision skipped and
    /// a later one must skip too (`PDFIncrementalUpdate.referredTo`): the revision refers only
    /// to objects it writes, so the set holds for the sealed file.
    public let numbersReferredTo: Set<Int>

    /// The bytes the signature covers, in order: the original file, then the update around
    /// `/Contents`. Hashed as they lie, without joining them.
    public var signedParts: [ArraySlice<UInt8>] {
        [original[...], tail[0..<(byteRange[1] - original.count)], tail[(byteRange[2] - original.count)...]]
    }

    static let millimetre = 72.0 / 25.4
    static let byteRangeWidth = 60

    /// Prepares a signature over `file`. `contentsCapacity` is the most bytes the CMS may take.
    public init(_ file: PDFFile, placement: StampPlacement, appearance: Appearance?, signerName: String, time: Date,
                contentsCapacity: Int) throws(PDFError) {
        let objects = file.objects
        let root = file.root
        guard let catalog = try objects.dictionary(.reference(root)) else { throw .missing("a catalog") }
        try Self.checkPermissions(catalog, objects)
        let fields = try objects.fields(root: root)

        var update = PDFIncrementalUpdate(file)
        let signature = update.newReference()

        // The field: an existing empty signature field, or a new one merged with its widget.
        let widget: PDFReference
        var widgetDictionary: PDFDictionary
        let page: PDFPage
        let isNewField: Bool
        if let name = placement.field {
            guard let field = fields.first(where: { $0.name == name }) else { throw .refused("the PDF has no field named '\(name)'") }
            guard field.type == "Sig" else { throw .refused("field '\(name)' is not a signature field") }
            guard field.value == nil || field.value == .null else { throw .refused("signature field '\(name)' is already signed") }
            widget = field.reference
            widgetDictionary = field.dictionary
            guard field.dictionary["Subtype"]?.name == "Widget" else {
                throw .refused("signature field '\(name)' has separate widgets; Seal fills fields that are their own widget")
            }
            let pageReference = field.dictionary["P"]?.reference
            let pages = try objects.pages(root: root)
            page = pages.first { $0.reference == pageReference } ?? pages[0]
            isNewField = false
            fieldName = name
        } else {
            page = try objects.page(root: root, number: placement.page).page
            widget = update.newReference()
            let taken = Set(fields.map(\.name))
            let name = (1...).lazy.map { "Seal\($0)" }.first { !taken.contains($0) }!
            widgetDictionary = PDFDictionary(["Type": .name("Annot"), "Subtype": .name("Widget"), "FT": .name("Sig"),
                                              "T": .text(name), "F": .integer(132), "P": .reference(page.reference)])
            isNewField = true
            fieldName = name
        }
        widgetDictionary["V"] = .reference(signature)

        // The appearance: the picture above its caption, or an empty form for an invisible seal.
        var rect: [Double] = [0, 0, 0, 0]
        if isNewField, !placement.invisible, let appearance {
            let box = page.box
            try Self.checkLayoutRange(box, "the page's box")
            var width = (placement.width ?? appearance.widthMillimetres) * Self.millimetre
            var layout = Self.layout(appearance, width: width)
            let left: Double, top: Double
            if let position = placement.position {
                left = box[0] + position.x * Self.millimetre
                top = box[3] - position.y * Self.millimetre
            } else {
                // The default place, 20 mm from the right and 30 mm from the bottom; on a page too
                // small for that, a stamp scaled to fit its lower right corner.
                let (pageWidth, pageHeight) = (box[2] - box[0], box[3] - box[1])
                var margins = (right: 20 * Self.millimetre, bottom: 30 * Self.millimetre)
                if placement.width == nil, width + margins.right > pageWidth || layout.height + margins.bottom > pageHeight {
                    margins = (min(margins.right, pageWidth * 0.05), min(margins.bottom, pageHeight * 0.05))
                    width *= min(1, (pageWidth - margins.right) * 0.5 / width, (pageHeight - margins.bottom) * 0.9 / layout.height)
                    layout = Self.layout(appearance, width: width)
                }
                left = box[2] - margins.right - width
                top = box[1] + margins.bottom + layout.height
            }
            let height = layout.height
            guard left >= box[0] - 0.01, top <= box[3] + 0.01, left + width <= box[2] + 0.01, top - height >= box[1] - 0.01 else {
                throw .refused("the seal (\(Self.format(width / Self.millimetre))×\(Self.format(height / Self.millimetre)) mm) does not fit on page at that position")
            }
            rect = [left, top - height, left + width, top]
            widgetDictionary["Rect"] = .array(rect.map { .real(Self.format($0)) })
            widgetDictionary["AP"] = .dictionary(PDFDictionary(["N": .reference(Self.addStamp(appearance, layout, to: &update))]))
        } else if !isNewField, !placement.invisible, let appearance, let fieldRect = try objects.rectangle(widgetDictionary["Rect"]),
                  fieldRect[2] - fieldRect[0] > 1, fieldRect[3] - fieldRect[1] > 1 {
            // An existing field's rectangle is its author's: the stamp is fitted into it, centred,
            // keeping its proportions.
            try Self.checkLayoutRange(fieldRect, "the field's /Rect")
            let frame = (width: fieldRect[2] - fieldRect[0], height: fieldRect[3] - fieldRect[1])
            var layout = Self.layout(appearance, width: frame.width)
            if layout.height > frame.height { layout = Self.layout(appearance, width: frame.width * frame.height / layout.height) }
            widgetDictionary["AP"] = .dictionary(PDFDictionary(["N": .reference(Self.addStamp(appearance, layout, frame: frame, to: &update))]))
        } else if isNewField {
            widgetDictionary["Rect"] = .array(rect.map { .integer(Int($0)) })
            let empty = update.newReference()
            update.set(empty, .stream(PDFDictionary(["Type": .name("XObject"), "Subtype": .name("Form"),
                                                     "BBox": .array([.integer(0), .integer(0), .integer(0), .integer(0)])]), []))
            widgetDictionary["AP"] = .dictionary(PDFDictionary(["N": .reference(empty)]))
        }
        update.set(widget, .dictionary(widgetDictionary))

        // The page's annotations, and the AcroForm's fields, gain the new field.
        if isNewField {
            switch page.dictionary["Annots"] {
            case .reference(let array)?:
                guard let items = try objects.object(array).array else { throw .malformed("the page's /Annots \(array) is not an array", offset: nil) }
                update.set(array, .array(items + [.reference(widget)]))
            case .array(let items)?:
                var pageDictionary = page.dictionary
                pageDictionary["Annots"] = .array(items + [.reference(widget)])
                update.set(page.reference, .dictionary(pageDictionary))
            case nil, .null?:
                var pageDictionary = page.dictionary
                pageDictionary["Annots"] = .array([.reference(widget)])
                update.set(page.reference, .dictionary(pageDictionary))
            default:
                throw .malformed("the page's /Annots is not an array", offset: nil)
            }
        }
        try Self.updateForm(catalog: catalog, root: root, objects: objects, newField: isNewField ? widget : nil, update: &update)

        // The signature dictionary, with placeholders at known places in its bytes.
        var body = Array("<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached".utf8)
        body += Array("/M ".utf8) + PDFSerializer.bytes(.string(Array(Self.date(time).utf8)))
        body += Array("/Name ".utf8) + PDFSerializer.bytes(.text(signerName))
        body += Array("/ByteRange ".utf8)
        let byteRangeStart = body.count
        body += Array(String(repeating: " ", count: Self.byteRangeWidth).utf8)
        body += Array("/Contents <".utf8)
        let digitsStart = body.count
        body += [UInt8](repeating: UInt8(ascii: "0"), count: contentsCapacity * 2)
        body += Array(">>>".utf8)
        update.set(signature, body: body)

        var (tail, offsets) = update.appended()
        let base = offsets[signature]! - file.bytes.count
        let digits = (file.bytes.count + base + digitsStart)..<(file.bytes.count + base + digitsStart + contentsCapacity * 2)
        let total = file.bytes.count + tail.count
        let range = [0, digits.lowerBound - 1, digits.upperBound + 1, total - digits.upperBound - 1]
        let text = Array("[\(range.map(String.init).joined(separator: " "))]".utf8)
        tail.replaceSubrange((base + byteRangeStart)..<(base + byteRangeStart + text.count), with: text)
        self.file = file
        self.tail = tail
        byteRange = range
        contentsDigits = digits
        numbersReferredTo = update.referredTo
    }

    /// The finished file: `cms` (DER) in the placeholder, zero-padded; with `spare` bytes of
    /// capacity for a further revision, so appending one does not copy the file again.
    public func assemble(cms: [UInt8], spare: Int = 0) throws(PDFError) -> [UInt8] {
        let hex = PDFSerializer.hex(cms)
        guard hex.count <= contentsDigits.count else {
            throw .refused("the signature (\(cms.count) bytes) is larger than the \(contentsDigits.count / 2) bytes reserved for it")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(original.count + tail.count + spare)
        bytes += original
        bytes += tail
        bytes.replaceSubrange(contentsDigits.lowerBound..<(contentsDigits.lowerBound + hex.count), with: hex)
        return bytes
    }

    /// A certification signature whose author allowed no changes (DocMDP P=1) forbids sealing.
    static func checkPermissions(_ catalog: PDFDictionary, _ objects: PDFObjectTable) throws(PDFError) {
        guard let perms = try objects.dictionary(catalog["Perms"]), let docMDP = try objects.dictionary(perms["DocMDP"]) else { return }
        for reference in try objects.resolve(docMDP["Reference"]).array ?? [] {
            guard let entry = try objects.dictionary(reference), entry["TransformMethod"]?.name == "DocMDP" else { continue }
            let permission = try objects.dictionary(entry["TransformParams"])?["P"]?.integer ?? 2
            if permission == 1 {
                throw .refused("the PDF is certified with no changes allowed (DocMDP P=1): its author forbade further signatures")
            }
        }
    }

    /// The AcroForm with the new field, `/SigFlags 3` and no `/NeedAppearances`, written where
    /// it lives: its own object, the catalog, or (a new form) the catalog.
    static func updateForm(catalog: PDFDictionary, root: PDFReference, objects: PDFObjectTable, newField: PDFReference?,
                           update: inout PDFIncrementalUpdate) throws(PDFError) {
        var form = try objects.dictionary(catalog["AcroForm"]) ?? PDFDictionary()
        let before = form
        if let newField {
            switch form["Fields"] {
            case .reference(let array)?:
                guard let items = try objects.object(array).array else { throw .malformed("/Fields \(array) is not an array", offset: nil) }
                update.set(array, .array(items + [.reference(newField)]))
            case .array(let items)?:
                form["Fields"] = .array(items + [.reference(newField)])
            case nil, .null?:
                form["Fields"] = .array([.reference(newField)])
            default:
                throw .malformed("the AcroForm's /Fields is not an array", offset: nil)
            }
        }
        form["SigFlags"] = .integer(3)
        form["NeedAppearances"] = nil
        guard form != before || form.count != before.count else { return }
        if case .reference(let formReference)? = catalog["AcroForm"] {
            update.set(formReference, .dictionary(form))
        } else {
            var newCatalog = catalog
            newCatalog["AcroForm"] = .dictionary(form)
            update.set(root, .dictionary(newCatalog))
        }
    }

    /// Where the stamp's parts go, in points from its lower left corner.
    struct Layout {
        var width: Double
        var seal: (y: Double, height: Double)
        /// The caption keeps its proportions, at most an eighth of the width high, centred.
        var caption: (x: Double, y: Double, width: Double, height: Double)
        var timeLine: Double
        var height: Double { seal.y + seal.height }
    }

    static func layout(_ appearance: Appearance, width: Double) -> Layout {
        let timeLine = appearance.timeLine == nil ? 0 : width / timeLineRatio
        var caption = (x: 0.0, y: timeLine, width: 0.0, height: 0.0)
        if let image = appearance.caption {
            caption.height = min(width * Double(image.height) / Double(image.width), width / 8)
            caption.width = caption.height * Double(image.width) / Double(image.height)
            caption.x = (width - caption.width) / 2
        }
        let sealHeight = width * Double(appearance.seal.height) / Double(appearance.seal.width)
        return Layout(width: width, seal: (timeLine + caption.height, sealHeight), caption: caption, timeLine: timeLine)
    }

    /// The stamp's form XObject: the picture, the caption beneath it, the time line last.
    /// In `frame` (an existing field's size) the stamp is centred; otherwise the form is its size.
    static func addStamp(_ appearance: Appearance, _ layout: Layout, frame: (width: Double, height: Double)? = nil,
                         to update: inout PDFIncrementalUpdate) -> PDFReference {
        var images = PDFDictionary()
        var resources = PDFDictionary()
        let width = layout.width
        let box = frame ?? (layout.width, layout.height)
        var content = frame.map { "q 1 0 0 1 \(format(($0.width - layout.width) / 2)) \(format(($0.height - layout.height) / 2)) cm\n" } ?? ""
        content += "q \(format(width)) 0 0 \(format(layout.seal.height)) 0 \(format(layout.seal.y)) cm /Seal Do Q\n"
        images["Seal"] = .reference(appearance.seal.add(to: &update))
        if let caption = appearance.caption {
            images["Caption"] = .reference(caption.add(to: &update))
            let box = layout.caption
            content += "q \(format(box.width)) 0 0 \(format(box.height)) \(format(box.x)) \(format(box.y)) cm /Caption Do Q\n"
        }
        if let line = appearance.timeLine {
            let size = layout.timeLine * 0.8
            let left = max(0, (width - helveticaWidth(line) * size) / 2)
            content += "BT 0.85 0.07 0.07 rg /Helv \(format(size)) Tf \(format(left)) \(format(layout.timeLine * 0.22)) Td "
                + String(decoding: PDFSerializer.bytes(.string(Array(line.utf8))), as: UTF8.self) + " Tj ET\n"
            resources["Font"] = .dictionary(PDFDictionary(["Helv": .dictionary(PDFDictionary([
                "Type": .name("Font"), "Subtype": .name("Type1"), "BaseFont": .name("Helvetica"), "Encoding": .name("WinAnsiEncoding"),
            ]))]))
        }
        if frame != nil { content += "Q\n" }
        resources["XObject"] = .dictionary(images)
        let form = update.newReference()
        update.set(form, .stream(PDFDictionary([
            "Type": .name("XObject"), "Subtype": .name("Form"),
            "BBox": .array([.integer(0), .integer(0), .real(format(box.0)), .real(format(box.1))]),
            "Resources": .dictionary(resources),
        ]), Array(content.utf8)))
        return form
    }

    /// The time line is this many times narrower than the stamp is wide.
    static let timeLineRatio = 14.0

    /// The width of `text` in Helvetica at size 1 (its AFM widths for what a time line holds).
    static func helveticaWidth(_ text: String) -> Double {
        let widths: [Character: Int] = [" ": 278, "-": 333, ":": 278, "+": 584, ".": 278, "U": 722, "T": 611, "C": 722]
        return Double(text.reduce(0) { $0 + (widths[$1] ?? 556) }) / 1000
    }

    /// The farthest from the origin a page box or field rectangle may reach for a stamp to be
    /// laid out on it: about 350 metres, far beyond any page a reader shows (ISO 32000-1 Annex C
    /// suggests 14,400 units a side), and well inside what `format` writes exactly.
    static let coordinateLimit = 1_000_000.0

    /// Refuses a box from the file whose coordinates the stamp cannot be placed by: a hostile
    /// file's `[0 0 99999999999999999999.5 842]` would otherwise overflow the layout's integers.
    static func checkLayoutRange(_ rectangle: [Double], _ what: String) throws(PDFError) {
        guard rectangle.allSatisfy({ abs($0) <= coordinateLimit }) else {
            throw .refused("\(what) reaches beyond ±1,000,000 units: no stamp is placed on it")
        }
    }

    /// A number as PDF writes reals: at most three decimals, no exponent. Callers keep values
    /// within `coordinateLimit`; anything beyond ±10^12 or not finite is written as 0 rather than
    /// trap. (Formatting with `String(format:)` was a tenth of preparing a seal in `perf`.)
    static func format(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e12 else { return "0" }
        let thousandths = Int((abs(value) * 1000).rounded())
        var text = (value < 0 && thousandths != 0 ? "-" : "") + String(thousandths / 1000)
        var fraction = thousandths % 1000
        if fraction != 0 {
            var digits = 3
            while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
            let padded = String(fraction)
            text += "." + String(repeating: "0", count: digits - padded.count) + padded
        }
        return text
    }

    /// A PDF date (§7.9.4) in UTC: D:YYYYMMDDHHmmSS+00'00'.
    public static func date(_ time: Date) -> String {
        let t = CalendarParts(time), two = { CalendarParts.padded($0, 2) }
        return "D:" + CalendarParts.padded(t.year, 4) + two(t.month) + two(t.day) + two(t.hour) + two(t.minute) + two(t.second) + "+00'00'"
    }
}
