/// An image ready to embed as an image XObject (§8.9.5): encoded once, so a seal's picture is
/// not compressed again for every document.
public struct PDFImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    let dictionary: PDFDictionary
    let data: [UInt8]
    /// The alpha channel as a DeviceGray soft mask, deflated.
    let softMask: [UInt8]?

    /// 8-bit RGB pixels, row by row, with an optional 8-bit alpha per pixel.
    public init(rgb: [UInt8], alpha: [UInt8]?, width: Int, height: Int) {
        precondition(rgb.count == width * height * 3 && (alpha == nil || alpha!.count == width * height))
        self.width = width
        self.height = height
        dictionary = PDFDictionary(["Type": .name("XObject"), "Subtype": .name("Image"), "Width": .integer(width),
                                    "Height": .integer(height), "ColorSpace": .name("DeviceRGB"), "BitsPerComponent": .integer(8),
                                    "Filter": .name("FlateDecode")])
        data = PDFFilters.deflate(rgb)
        softMask = alpha.map(PDFFilters.deflate)
    }

    /// A baseline or progressive JPEG, embedded as is (DCTDecode); its size and colour
    /// components come from its frame header.
    public init(jpeg: [UInt8]) throws(PDFError) {
        var index = 2
        guard jpeg.starts(with: [0xFF, 0xD8]) else { throw .refused("the seal image is not a JPEG") }
        while index + 9 < jpeg.count {
            guard jpeg[index] == 0xFF else { throw .refused("the seal JPEG is malformed") }
            let marker = jpeg[index + 1]
            let length = Int(jpeg[index + 2]) << 8 | Int(jpeg[index + 3])
            // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame's size.
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                let height = Int(jpeg[index + 5]) << 8 | Int(jpeg[index + 6]), width = Int(jpeg[index + 7]) << 8 | Int(jpeg[index + 8])
                let components = Int(jpeg[index + 9])
                let space: String
                switch components {
                case 1: space = "DeviceGray"
                case 3: space = "DeviceRGB"
                case 4: space = "DeviceCMYK"
                default: throw .refused("a JPEG with \(components) colour components")
                }
                guard width > 0, height > 0 else { throw .refused("the seal JPEG has no size") }
                self.width = width
                self.height = height
                dictionary = PDFDictionary(["Type": .name("XObject"), "Subtype": .name("Image"), "Width": .integer(width),
                                            "Height": .integer(height), "ColorSpace": .name(space), "BitsPerComponent": .integer(8),
                                            "Filter": .name("DCTDecode")])
                data = jpeg
                softMask = nil
                return
            }
            index += 2 + length
        }
        throw .refused("the seal JPEG has no frame header")
    }

    /// Adds the image (and its soft mask) to `update`; returns the image's reference.
    func add(to update: inout PDFIncrementalUpdate) -> PDFReference {
        var image = dictionary
        if let softMask {
            let mask = update.newReference()
            update.set(mask, .stream(PDFDictionary(["Type": .name("XObject"), "Subtype": .name("Image"), "Width": .integer(width),
                                                    "Height": .integer(height), "ColorSpace": .name("DeviceGray"),
                                                    "BitsPerComponent": .integer(8), "Filter": .name("FlateDecode")]), softMask))
            image["SMask"] = .reference(mask)
        }
        let reference = update.newReference()
        update.set(reference, .stream(image, data))
        return reference
    }
}
