internal import CSealZlib

/// Stream filters Seal reads and writes: FlateDecode through zlib, with the PNG predictors
/// cross-reference streams use (ISO 32000-1 §7.4.4). Decoding is bounded: a stream that expands
/// past `limit` is refused, not inflated.
enum PDFFilters {
    static let defaultLimit = 64 * 1024 * 1024

    /// Decodes a stream's data by its dictionary's `/Filter` and `/DecodeParms`.
    static func decode(_ dictionary: PDFDictionary, _ data: [UInt8], limit: Int = defaultLimit) throws(PDFError) -> [UInt8] {
        let filters: [PDFObject]
        switch dictionary["Filter"] {
        case nil, .null?: return data
        case .name(let name)?: filters = [.name(name)]
        case .array(let names)?: filters = names
        default: throw .malformed("/Filter is neither a name nor an array", offset: nil)
        }
        let parameters: [PDFObject]
        switch dictionary["DecodeParms"] {
        case .array(let list)?: parameters = list
        case let single?: parameters = [single]
        case nil: parameters = []
        }
        var bytes = data
        for (index, filter) in filters.enumerated() {
            guard filter.name == "FlateDecode" else {
                throw .refused("the stream filter \(filter.name.map { "/" + $0 } ?? "?") is not supported (only FlateDecode)")
            }
            bytes = try inflate(bytes, limit: limit)
            if index < parameters.count, let parms = parameters[index].dictionary {
                bytes = try unpredict(bytes, parms)
            }
        }
        return bytes
    }

    static func inflate(_ data: [UInt8], limit: Int) throws(PDFError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .malformed("zlib cannot start inflating", offset: nil)
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        var input = data
        input.withUnsafeMutableBufferPointer { input in
            stream.next_in = input.baseAddress
            stream.avail_in = UInt32(input.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { chunk in
                    stream.next_out = chunk.baseAddress
                    stream.avail_out = UInt32(chunk.count)
                    status = CSealZlib.inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                }
            } while status == Z_OK && output.count <= limit && (stream.avail_in > 0 || stream.avail_out == 0)
        }
        guard output.count <= limit else { throw .refused("a stream inflates to more than \(limit / 1024 / 1024) MiB") }
        // Z_BUF_ERROR with all input consumed: a stream without its end marker, which many
        // producers write; what was inflated is the data.
        guard status == Z_STREAM_END || (status == Z_OK || status == Z_BUF_ERROR) && stream.avail_in == 0 else {
            throw .malformed("a FlateDecode stream does not inflate (zlib error \(status))", offset: nil)
        }
        return output
    }

    static func deflate(_ data: [UInt8]) -> [UInt8] {
        var size = compressBound(UInt(data.count))
        var output = [UInt8](repeating: 0, count: Int(size))
        let status = output.withUnsafeMutableBufferPointer { output in
            data.withUnsafeBufferPointer { input in
                compress2(output.baseAddress, &size, input.baseAddress, UInt(input.count), Z_DEFAULT_COMPRESSION)
            }
        }
        precondition(status == Z_OK, "compress2 cannot fail with a buffer of compressBound bytes")
        return Array(output[0..<Int(size)])
    }

    /// Undoes a PNG predictor (10–15: each row starts with its filter type) for `/Columns`
    /// bytes per row at one byte per pixel, as cross-reference streams use.
    static func unpredict(_ data: [UInt8], _ parms: PDFDictionary) throws(PDFError) -> [UInt8] {
        let predictor = parms["Predictor"]?.integer ?? 1
        if predictor == 1 { return data }
        guard predictor >= 10, predictor <= 15 else { throw .refused("TIFF predictor \(predictor) is not supported") }
        let colors = parms["Colors"]?.integer ?? 1, bits = parms["BitsPerComponent"]?.integer ?? 8
        guard colors == 1, bits == 8 else { throw .refused("a predictor with \(colors) colours of \(bits) bits is not supported") }
        let columns = parms["Columns"]?.integer ?? 1
        guard columns > 0, columns <= 1 << 16 else { throw .malformed("/Columns \(columns) out of range", offset: nil) }
        let stride = columns + 1
        guard data.count % stride == 0 else { throw .malformed("predicted data is not a whole number of rows", offset: nil) }
        var output = [UInt8](repeating: 0, count: data.count / stride * columns)
        var previous = [UInt8](repeating: 0, count: columns)
        for row in 0..<(data.count / stride) {
            let type = data[row * stride]
            var current = Array(data[(row * stride + 1)..<((row + 1) * stride)])
            for i in 0..<columns {
                let left = i > 0 ? current[i - 1] : 0, up = previous[i], upLeft = i > 0 ? previous[i - 1] : 0
                let add: UInt8
                switch type {
                case 0: add = 0
                case 1: add = left
                case 2: add = up
                case 3: add = UInt8((Int(left) + Int(up)) / 2)
                case 4:
                    let p = Int(left) + Int(up) - Int(upLeft)
                    let pa = abs(p - Int(left)), pb = abs(p - Int(up)), pc = abs(p - Int(upLeft))
                    add = pa <= pb && pa <= pc ? left : (pb <= pc ? up : upLeft)
                default: throw .malformed("PNG row filter \(type)", offset: nil)
                }
                current[i] = current[i] &+ add
            }
            output.replaceSubrange((row * columns)..<((row + 1) * columns), with: current)
            previous = current
        }
        return output
    }
}
