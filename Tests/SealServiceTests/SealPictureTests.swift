import Testing
@testable import SealService

/// How a stamp's premultiplied pixels become the RGB image and soft mask a PDF seal embeds.
struct SealPictureTests {
    static let red: [UInt8] = [0xD9, 0x11, 0x11]
    static let blue: [UInt8] = [0x10, 0x20, 0xC0]

    /// A premultiplied ARGB word of `colour` at `alpha`, rounded as cairo rounds it.
    static func word(_ colour: [UInt8], alpha: UInt8) -> UInt32 {
        colour.reduce(UInt32(alpha)) { $0 << 8 | UInt32(SealPicture.premultiplied($1, by: alpha)) }
    }

    /// Every alpha of a red ink (as an anti-aliased edge has), transparent pixels, and fewer
    /// blue ones, opaque and at the edge.
    static let words: [UInt32] = (0...255).map { word(red, alpha: UInt8($0)) } + Array(repeating: word(red, alpha: 255), count: 50)
        + Array(repeating: 0, count: 50)
        + (0..<40).map { _ in word(blue, alpha: 255) } + [40, 128, 200].map { word(blue, alpha: $0) }

    @Test func theImageCompositesExactlyAsThePremultipliedPixels() {
        let (rgb, alpha) = SealPicture.unpremultiplied(Self.words)
        #expect(alpha == Self.words.map { UInt8($0 >> 24) })
        for (index, word) in Self.words.enumerated() {
            let stored = [UInt8(word >> 16 & 0xFF), UInt8(word >> 8 & 0xFF), UInt8(word & 0xFF)]
            let rescaled = (0..<3).map { SealPicture.premultiplied(rgb[index * 3 + $0], by: alpha[index]) }
            #expect(rescaled == stored, "pixel \(index)")
        }
    }

    @Test func theInkFillsItsOwnEdgesAndTheTransparentPixels() {
        let (rgb, _) = SealPicture.unpremultiplied(Self.words)
        let colours = stride(from: 0, to: rgb.count, by: 3).map { Array(rgb[$0..<($0 + 3)]) }
        #expect(SealPicture.ink(Self.words) == Self.red)
        // Red at every alpha and every transparent pixel: the ink, not a step or two off it.
        #expect(colours[0..<356].allSatisfy { $0 == Self.red })
        // The second colour keeps its own: exactly where opaque, and near it at its edges.
        #expect(colours[356..<396].allSatisfy { $0 == Self.blue })
        for colour in colours[396...] {
            #expect(zip(colour, Self.blue).allSatisfy { abs(Int($0) - Int($1)) <= 3 }, "\(colour)")
        }
        // Un-premultiplying alone gives a red edge of several colours, which deflate worse.
        func unscaled(_ channel: UInt8, alpha: Int) -> UInt8 {
            let stored = Int(SealPicture.premultiplied(channel, by: UInt8(alpha)))
            return UInt8((stored * 255 + alpha / 2) / alpha)
        }
        let plain = Set((1...255).map { alpha in Self.red.map { unscaled($0, alpha: alpha) } })
        #expect(plain.count > 1)
    }

    @Test func theInkIsTheCommonestOpaqueColourAndTiesGoToTheSmaller() {
        #expect(SealPicture.ink([]) == [0, 0, 0])
        #expect(SealPicture.ink([Self.word(Self.red, alpha: 128)]) == [0, 0, 0], "only opaque pixels count")
        let tie = [Self.word(Self.red, alpha: 255), Self.word(Self.blue, alpha: 255)]
        #expect(SealPicture.ink(tie) == Self.blue)
        #expect(SealPicture.ink(tie.reversed()) == Self.blue)
        #expect(SealPicture.ink(tie + [Self.word(Self.red, alpha: 255)]) == Self.red)
    }

    @Test func aDrawnSealIsOneInkOverItsMask() throws {
        let pixels = try SealPicture.pixels(png: try SealPicture.drawn(name: "市场监督管理局", widthMillimetres: 40, heightMillimetres: 40))
        #expect(pixels.width == 472 && pixels.height == 472)
        // All but a handful of edge pixels, where cairo's blending left a premultiplied value
        // one step from the ink's (they keep their own colour, a step off it).
        let offInk = stride(from: 0, to: pixels.rgb.count, by: 3).filter { Array(pixels.rgb[$0..<($0 + 3)]) != Self.red }
        #expect(offInk.count < 50, "\(offInk.count) of \(pixels.width * pixels.height) pixels are not the ink")
        #expect(pixels.alpha.contains(0) && pixels.alpha.contains(255) && pixels.alpha.contains { $0 > 0 && $0 < 255 })
    }
}

/// What enrolment reads of a seal image before keeping it: its pixel size, from the header.
struct SealImageSizeTests {
    static func png(width: Int, height: Int) -> [UInt8] {
        let big = { (value: Int) in (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + big(13) + Array("IHDR".utf8) + big(width) + big(height) + [8, 6, 0, 0, 0, 0, 0, 0, 0]
    }

    static func jpeg(width: Int, height: Int) -> [UInt8] {
        [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 0x03, 0, 0, 0, 0]
    }

    /// One beyond 4096 pixels a side is refused before anything decodes it (a PNG of 11,000 ×
    /// 11,000 transparent pixels fits in 512 KiB, and the first PDF sealed with it took 1.5 GB).
    @Test func imagesOfMoreThan4096PixelsASideAreRefused() throws {
        #expect(throws: ServiceError.invalidArgument("the seal image is 11000×11000 pixels; at most 4096 a side")) {
            try SealAppearance(image: Self.png(width: 11_000, height: 11_000)).picture(name: "x")
        }
        #expect(throws: ServiceError.invalidArgument("the seal image is 5000×10 pixels; at most 4096 a side")) {
            try SealAppearance(image: Self.jpeg(width: 5_000, height: 10)).picture(name: "x")
        }
        #expect(try SealAppearance(image: Self.png(width: 4_096, height: 472)).picture(name: "x").type == "PNG")
        #expect(try SealAppearance(image: Self.jpeg(width: 472, height: 4_096)).picture(name: "x").type == "JPG")
        #expect(throws: ServiceError.invalidArgument("the seal PNG has no header")) {
            try SealAppearance(image: Array(Self.png(width: 10, height: 10).prefix(20))).picture(name: "x")
        }
    }
}
