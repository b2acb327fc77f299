internal import CCairo
public import Foundation
public import SealCore
import SealPDF

/// How a department's GB/T 38540 seal looks: the image it gives (PNG or JPEG, kept byte for
/// byte), or a round red seal drawn with cairo showing the department's name.
public struct SealAppearance: Codable, Sendable, Equatable {
    /// PNG or JPEG; nil draws one.
    public var image: Data?
    public var widthMillimetres: Int
    public var heightMillimetres: Int

    public init(image: [UInt8]? = nil, widthMillimetres: Int = 40, heightMillimetres: Int = 40) {
        self.image = image.map { Data($0) }
        self.widthMillimetres = widthMillimetres
        self.heightMillimetres = heightMillimetres
    }

    /// A seal image larger than this is refused: seal pictures are stamps, and every seal
    /// signature carries its picture.
    public static let maximumImageSize = 512 * 1024
    /// A seal image wider or higher than this many pixels is refused: 100 mm at 1,000 dpi. Within
    /// 512 KiB a PNG can hold 11,000 × 11,000 transparent pixels, which the first PDF sealed with
    /// it decoded into 1.5 GB.
    public static let maximumImagePixels = 4096
    public static let sizes = 10...100

    /// "WxH" in millimetres ("40x40").
    public static func size(_ text: String) throws(ServiceError) -> (width: Int, height: Int) {
        let parts = text.lowercased().split(separator: "x").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let width = parts[0], let height = parts[1], sizes.contains(width), sizes.contains(height) else {
            throw .invalidArgument("--size must be WIDTHxHEIGHT in millimetres, each \(sizes.lowerBound) to \(sizes.upperBound) (e.g. 40x40), not '\(text)'")
        }
        return (width, height)
    }

    /// The seal's picture for `name`.
    func picture(name: String) throws(ServiceError) -> ElectronicSeal.Picture {
        guard Self.sizes.contains(widthMillimetres), Self.sizes.contains(heightMillimetres) else {
            throw .invalidArgument("a seal picture is \(Self.sizes.lowerBound) to \(Self.sizes.upperBound) mm wide and high")
        }
        guard let image else {
            return ElectronicSeal.Picture(type: "PNG", data: try SealPicture.drawn(name: name, widthMillimetres: widthMillimetres,
                                                                                  heightMillimetres: heightMillimetres),
                                          widthMillimetres: widthMillimetres, heightMillimetres: heightMillimetres)
        }
        guard image.count <= Self.maximumImageSize else {
            throw .invalidArgument("the seal image is larger than \(Self.maximumImageSize / 1024) KiB")
        }
        let bytes = Array(image)
        let type: String
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            type = "PNG"
        } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            type = "JPG"
        } else {
            throw .invalidArgument("the seal image is neither PNG nor JPEG")
        }
        let pixels = try Self.pixelSize(bytes, type: type)
        guard max(pixels.width, pixels.height) <= Self.maximumImagePixels else {
            throw .invalidArgument("the seal image is \(pixels.width)×\(pixels.height) pixels; at most \(Self.maximumImagePixels) a side")
        }
        return ElectronicSeal.Picture(type: type, data: bytes, widthMillimetres: widthMillimetres, heightMillimetres: heightMillimetres)
    }

    /// The width and height a PNG's header (IHDR, its first chunk) or a JPEG's frame header says.
    static func pixelSize(_ bytes: [UInt8], type: String) throws(ServiceError) -> (width: Int, height: Int) {
        if type == "JPG" {
            do {
                let image = try PDFImage(jpeg: bytes)
                return (image.width, image.height)
            } catch { throw .invalidArgument("the seal image is not a JPEG Seal reads: \(error)") }
        }
        guard bytes.count >= 24, bytes[12..<16].elementsEqual("IHDR".utf8) else { throw .invalidArgument("the seal PNG has no header") }
        let number = { (offset: Int) in bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (number(16), number(20))
    }
}

/// The drawn seal: a red ring, a five-pointed star, and the name along the upper arc, at
/// 300 dots per inch, as PNG. Drawing and PNG encoding are cairo's.
enum SealPicture {
    static let dotsPerMillimetre = 300.0 / 25.4
    /// A CJK font when one is installed (fonts-wqy-zenhei); fontconfig falls back otherwise.
    static let fontFamily = "WenQuanYi Zen Hei"

    static func drawn(name: String, widthMillimetres: Int, heightMillimetres: Int) throws(ServiceError) -> [UInt8] {
        let width = Int32((Double(widthMillimetres) * dotsPerMillimetre).rounded())
        let height = Int32((Double(heightMillimetres) * dotsPerMillimetre).rounded())
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height) else { throw .io("cairo: no surface") }
        defer { cairo_surface_destroy(surface) }
        guard let context = cairo_create(surface) else { throw .io("cairo: no drawing context") }
        defer { cairo_destroy(context) }

        let centre = (x: Double(width) / 2, y: Double(height) / 2)
        let radius = Double(min(width, height)) / 2
        cairo_set_source_rgba(context, 0.85, 0.07, 0.07, 1)
        // The ring.
        cairo_set_line_width(context, radius * 0.06)
        cairo_arc(context, centre.x, centre.y, radius * 0.94, 0, 2 * .pi)
        cairo_stroke(context)
        // The star.
        let outer = radius * 0.28
        for point in 0..<10 {
            let angle = -Double.pi / 2 + Double(point) * .pi / 5
            let distance = point.isMultiple(of: 2) ? outer : outer * 0.382
            let (x, y) = (centre.x + distance * cos(angle), centre.y + distance * sin(angle))
            if point == 0 { cairo_move_to(context, x, y) } else { cairo_line_to(context, x, y) }
        }
        cairo_close_path(context)
        cairo_fill(context)
        // The name, one character at a time along the upper arc, each upright to the centre.
        let characters = Array(name).map(String.init)
        cairo_select_font_face(context, fontFamily, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD)
        let span = min(Double.pi * 1.4, Double(characters.count) * 0.32)
        let fontSize = min(radius * 0.2, radius * 0.72 * span / Double(max(characters.count, 1)))
        cairo_set_font_size(context, fontSize)
        let textRadius = radius * 0.78 - fontSize / 2
        for (index, character) in characters.enumerated() {
            let step = characters.count > 1 ? span / Double(characters.count - 1) : 0
            let angle = -Double.pi / 2 - span / 2 + Double(index) * step
            var extents = cairo_text_extents_t()
            cairo_text_extents(context, character, &extents)
            cairo_save(context)
            cairo_translate(context, centre.x + textRadius * cos(angle), centre.y + textRadius * sin(angle))
            cairo_rotate(context, angle + .pi / 2)
            cairo_move_to(context, -extents.x_advance / 2, fontSize / 2)
            cairo_show_text(context, character)
            cairo_restore(context)
        }
        cairo_surface_flush(surface)
        guard cairo_status(context) == CAIRO_STATUS_SUCCESS else {
            throw .io("cairo: drawing the seal failed: \(String(cString: cairo_status_to_string(cairo_status(context))))")
        }
        return try png(surface)
    }

    /// `surface` as PNG.
    static func png(_ surface: OpaquePointer) throws(ServiceError) -> [UInt8] {
        let sink = PNGSink()
        let status = cairo_surface_write_to_png_stream(surface, { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            Unmanaged<PNGSink>.fromOpaque(closure).takeUnretainedValue().bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }, Unmanaged.passUnretained(sink).toOpaque())
        guard status == CAIRO_STATUS_SUCCESS else { throw .io("cairo: writing the seal PNG failed") }
        return withExtendedLifetime(sink) { sink.bytes }
    }

    /// Collects cairo's PNG stream.
    private final class PNGSink {
        var bytes: [UInt8] = []
    }

    /// Feeds cairo a PNG from memory.
    private final class PNGSource {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    /// A PNG decoded by cairo into an ARGB32 surface (the caller destroys it).
    static func surface(png: [UInt8]) throws(ServiceError) -> OpaquePointer {
        let source = PNGSource(png)
        let surface = withExtendedLifetime(source) {
            cairo_image_surface_create_from_png_stream({ closure, data, length in
                guard let closure, let data else { return CAIRO_STATUS_READ_ERROR }
                let source = Unmanaged<PNGSource>.fromOpaque(closure).takeUnretainedValue()
                guard source.offset + Int(length) <= source.bytes.count else { return CAIRO_STATUS_READ_ERROR }
                source.bytes.withUnsafeBufferPointer { data.update(from: $0.baseAddress! + source.offset, count: Int(length)) }
                source.offset += Int(length)
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(source).toOpaque())
        }
        guard let surface, cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            if let surface { cairo_surface_destroy(surface) }
            throw .invalidArgument("the seal image is not a PNG cairo can read")
        }
        return surface
    }

    /// The pixels of a PNG, as `pixels(_:)` gives a surface's.
    static func pixels(png: [UInt8]) throws(ServiceError) -> (rgb: [UInt8], alpha: [UInt8], width: Int, height: Int) {
        let surface = try surface(png: png)
        defer { cairo_surface_destroy(surface) }
        return pixels(surface)
    }

    /// The pixels of an ARGB32 surface as 8-bit RGB with alpha apart, un-premultiplied.
    ///
    /// A stamp is mostly one ink. Un-premultiplying an edge pixel's 8-bit value gives the ink
    /// give or take a step or two, and a transparent pixel has no colour at all; either way the
    /// RGB image would vary where the eye cannot see it. Every pixel whose premultiplied value
    /// the ink reproduces exactly (so any transparent one) takes the ink: the picture composites
    /// the same, and the RGB image of a drawn seal deflates to a few hundred bytes instead of
    /// 12 KiB, bytes every PDF seal carries and every signature over it hashes.
    static func pixels(_ surface: OpaquePointer) -> (rgb: [UInt8], alpha: [UInt8], width: Int, height: Int) {
        cairo_surface_flush(surface)
        let width = Int(cairo_image_surface_get_width(surface)), height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let data = cairo_image_surface_get_data(surface) else {
            return ([UInt8](repeating: 0, count: width * height * 3), [UInt8](repeating: 0, count: width * height), width, height)
        }
        // ARGB32 is a native-endian 32-bit word: B, G, R, A in memory on little-endian machines.
        var words: [UInt32] = []
        words.reserveCapacity(width * height)
        for y in 0..<height {
            (data + y * stride).withMemoryRebound(to: UInt32.self, capacity: width) { words += UnsafeBufferPointer(start: $0, count: width) }
        }
        let (rgb, alpha) = unpremultiplied(words)
        return (rgb, alpha, width, height)
    }

    /// Premultiplied ARGB words as RGB and alpha apart, with the ink where it fits (above).
    static func unpremultiplied(_ words: [UInt32]) -> (rgb: [UInt8], alpha: [UInt8]) {
        let ink = Self.ink(words)
        var rgb = [UInt8](repeating: 0, count: words.count * 3), alpha = [UInt8](repeating: 0, count: words.count)
        for (index, word) in words.enumerated() {
            let a = UInt8(word >> 24 & 0xFF)
            let channels = [UInt8(word >> 16 & 0xFF), UInt8(word >> 8 & 0xFF), UInt8(word & 0xFF)]
            alpha[index] = a
            let inked = a == 0 || (0..<3).allSatisfy { Self.premultiplied(ink[$0], by: a) == channels[$0] }
            for offset in 0..<3 {
                rgb[index * 3 + offset] = inked ? ink[offset] : UInt8(min(255, (Int(channels[offset]) * 255 + Int(a) / 2) / Int(a)))
            }
        }
        return (rgb, alpha)
    }

    /// The most frequent colour of the opaque pixels (exact, being unscaled), or black.
    static func ink(_ words: [UInt32]) -> [UInt8] {
        var counts: [UInt32: Int] = [:]
        for word in words where word >> 24 == 0xFF { counts[word & 0xFF_FFFF, default: 0] += 1 }
        // Ties go to the smaller colour, so that the choice does not depend on hashing order.
        let colour = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? 0
        return [UInt8(colour >> 16 & 0xFF), UInt8(colour >> 8 & 0xFF), UInt8(colour & 0xFF)]
    }

    /// `channel` scaled by `alpha` as cairo and pixman round it: channel × alpha / 255, to nearest.
    static func premultiplied(_ channel: UInt8, by alpha: UInt8) -> UInt8 {
        let product = Int(channel) * Int(alpha) + 0x80
        return UInt8((product + (product >> 8)) >> 8)
    }

    /// One line of `text` in the seal's red, `height` pixels high, as wide as it needs.
    static func caption(_ text: String, height: Int) throws(ServiceError) -> OpaquePointer {
        let fontSize = Double(height) * 0.8
        // Measure on a scratch surface, then draw on one of the right width.
        guard let scratch = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1) else { throw .io("cairo: no surface") }
        defer { cairo_surface_destroy(scratch) }
        guard let measure = cairo_create(scratch) else { throw .io("cairo: no drawing context") }
        cairo_select_font_face(measure, fontFamily, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD)
        cairo_set_font_size(measure, fontSize)
        var extents = cairo_text_extents_t()
        cairo_text_extents(measure, text, &extents)
        cairo_destroy(measure)
        let width = Int32(max(1, min(8192, extents.x_advance.rounded(.up) + 2)))
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, Int32(height)) else { throw .io("cairo: no surface") }
        guard let context = cairo_create(surface) else {
            cairo_surface_destroy(surface)
            throw .io("cairo: no drawing context")
        }
        defer { cairo_destroy(context) }
        cairo_select_font_face(context, fontFamily, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD)
        cairo_set_font_size(context, fontSize)
        cairo_set_source_rgba(context, 0.85, 0.07, 0.07, 1)
        cairo_move_to(context, 1, Double(height) * 0.8)
        cairo_show_text(context, text)
        return surface
    }
}
