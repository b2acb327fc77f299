/// Where and how a seal goes into a document, for the formats that carry it inside (OFD, PDF).
/// Positions are in millimetres from the page's top-left corner.
public struct StampPlacement: Sendable, Equatable, Codable {
    /// 1-based page number; nil: the last page.
    public var page: Int?
    /// The seal's top-left corner; nil: 20 mm from the right edge and 30 mm from the bottom (a
    /// riding seal: centred vertically on the right edge).
    public var position: Position?
    /// A riding seal (骑缝章) across every page's right edge, one slice per page.
    public var riding: Bool

    public struct Position: Sendable, Equatable, Codable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// The stamp's width on a PDF page, in millimetres (nil: the seal picture's own width).
    public var width: Double?
    /// A PDF signature with no appearance on any page.
    public var invisible: Bool
    /// An existing empty PDF signature field to fill, by its name.
    public var field: String?
    /// PDF: a further revision with the chain and the current CRL (PAdES-B-LT), so the
    /// document verifies years later without the authority.
    public var longTermValidation: Bool

    public init(page: Int? = nil, position: Position? = nil, riding: Bool = false, width: Double? = nil,
                invisible: Bool = false, field: String? = nil, longTermValidation: Bool = true) {
        self.page = page
        self.position = position
        self.riding = riding
        self.width = width
        self.invisible = invisible
        self.field = field
        self.longTermValidation = longTermValidation
    }
}

