import CZlib
import Foundation
import GRDB

/// A preset dictionary for deflating small JSON texts: the strings rows of one kind share (keys, type names,
/// boilerplate), which deflate then refers back to instead of spelling them out in every row. A 300-byte history
/// event deflates to about 230 bytes alone and to about 80 with a dictionary of its kind's strings.
///
/// `id` is the first byte of every blob compressed with the dictionary, and rows are read back with the dictionary
/// they name: once rows are written with a dictionary its bytes may never change. A better one gets a new id, and
/// the old one stays in the list rows are read with.
public struct CompressionDictionary: Sendable {
    public let id: UInt8
    public let bytes: [UInt8]
    /// What deflate was set up with once, with the dictionary loaded: each compression copies it rather than
    /// loading the dictionary again (hashing its 8 KB costs more than compressing a row).
    fileprivate let primed: PrimedDeflater

    /// `fragments` joined; the most frequent last, where deflate reaches them with the shortest distances.
    public init(id: UInt8, fragments: [String]) {
        precondition(id > 0 && id < 0x20, "an id is a control character, which no JSON text starts with")
        self.id = id
        self.bytes = Array(fragments.joined().utf8)
        precondition(bytes.count <= StoredText.windowSize - 262, "deflate reaches back one window less 262 bytes")
        self.primed = PrimedDeflater(dictionary: bytes)
    }
}

/// How a service keeps a long JSON text (an execution's state, a history event) in a row: deflated with a preset
/// dictionary into a blob, `[dictionary id][text length, LEB128][raw deflate]`. A row written before compression
/// holds the text itself, which reads back unchanged.
public enum StoredText {
    /// 8 KB: rows are small, and a smaller window keeps each compressor's tables (and their copying) small.
    static let windowBits: Int32 = 13
    static let windowSize = 1 << 13
    static let memoryLevel: Int32 = 6

    /// `text` deflated with `dictionary`, as the blob a row stores.
    public static func compress(_ text: [UInt8], with dictionary: CompressionDictionary) -> Data {
        var header: [UInt8] = [dictionary.id]
        var length = text.count
        repeat {
            header.append(UInt8(length & 0x7F) | (length >= 0x80 ? 0x80 : 0))
            length >>= 7
        } while length > 0
        return dictionary.primed.withCopy { stream in
            let bound = Int(deflateBound(stream, uLong(text.count)))
            var output = Data(count: header.count + bound)
            let written = output.withUnsafeMutableBytes { (buffer: UnsafeMutableRawBufferPointer) -> Int in
                let bytes = buffer.bindMemory(to: UInt8.self)
                for (index, byte) in header.enumerated() { bytes[index] = byte }
                return text.withUnsafeBufferPointer { input in
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                    stream.pointee.avail_in = uInt(input.count)
                    stream.pointee.next_out = bytes.baseAddress! + header.count
                    stream.pointee.avail_out = uInt(bound)
                    let status = deflate(stream, Z_FINISH)
                    precondition(status == Z_STREAM_END, "deflate into deflateBound's room did not finish: \(status)")
                    return header.count + Int(stream.pointee.total_out)
                }
            }
            output.count = written
            return output
        }
    }

    /// The text a row holds: a compressed blob inflated with the dictionary it names, or text as it was stored.
    public static func text(_ value: DatabaseValue, dictionaries: [CompressionDictionary]) throws -> String {
        switch value.storage {
        case .string(let text): return text
        case .blob(let blob): return String(decoding: try bytes(blob, dictionaries: dictionaries), as: UTF8.self)
        default: throw UnreadableStoredText(reason: "neither text nor a blob: \(value)")
        }
    }

    static func bytes(_ blob: Data, dictionaries: [CompressionDictionary]) throws -> [UInt8] {
        try blob.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> [UInt8] in
            let blob = raw.bindMemory(to: UInt8.self)
            guard let id = blob.first, let dictionary = dictionaries.first(where: { $0.id == id }) else {
                throw UnreadableStoredText(reason: "no dictionary \(blob.first.map(String.init) ?? "(empty blob)")")
            }
            var length = 0
            var index = 1
            var shift = 0
            while true {
                guard index < blob.count, shift < 63 else { throw UnreadableStoredText(reason: "its length is cut") }
                let byte = blob[index]
                length |= Int(byte & 0x7F) << shift
                index += 1
                shift += 7
                if byte < 0x80 { break }
            }
            var stream = z_stream()
            // 15: a window at least as large as any deflate's, whatever a later dictionary chooses.
            guard czlib_inflate_init(&stream, -15) == Z_OK else {
                throw UnreadableStoredText(reason: "inflate did not start")
            }
            defer { inflateEnd(&stream) }
            _ = dictionary.bytes.withUnsafeBufferPointer {
                inflateSetDictionary(&stream, $0.baseAddress, uInt($0.count))
            }
            var text = [UInt8](repeating: 0, count: length)
            let status = text.withUnsafeMutableBufferPointer { output -> Int32 in
                stream.next_in = UnsafeMutablePointer(mutating: blob.baseAddress! + index)
                stream.avail_in = uInt(blob.count - index)
                stream.next_out = output.baseAddress
                stream.avail_out = uInt(output.count)
                return inflate(&stream, Z_FINISH)
            }
            guard status == Z_STREAM_END, Int(stream.total_out) == length else {
                throw UnreadableStoredText(reason: "it does not inflate to its \(length) bytes (zlib status \(status))")
            }
            return text
        }
    }
}

/// A stored text that cannot be read back: a corrupt blob, or one written with a dictionary this build lacks.
public struct UnreadableStoredText: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "a stored text cannot be read: \(reason)" }
}

/// A deflate stream with a dictionary loaded, never used itself: `withCopy` gives each compression its own.
/// deflateCopy only reads its source, so copies may be taken on any thread at once.
private final class PrimedDeflater: @unchecked Sendable {
    private let stream: UnsafeMutablePointer<z_stream>
    /// Keeps the dictionary's bytes alive: zlib copies them into its window, but the stream is set up once.
    private let dictionary: [UInt8]

    init(dictionary: [UInt8]) {
        self.dictionary = dictionary
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        precondition(
            czlib_deflate_init(stream, 6, -StoredText.windowBits, StoredText.memoryLevel) == Z_OK,
            "deflateInit2 failed")
        let status = dictionary.withUnsafeBufferPointer {
            deflateSetDictionary(stream, $0.baseAddress, uInt($0.count))
        }
        precondition(status == Z_OK, "deflateSetDictionary failed: \(status)")
    }

    /// Runs `body` with a copy of the stream, ended afterwards. zlib's state points back at its stream, so the
    /// copy stays where deflateCopy put it.
    func withCopy<T>(_ body: (UnsafeMutablePointer<z_stream>) -> T) -> T {
        let copy = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        copy.initialize(to: z_stream())
        defer {
            deflateEnd(copy)
            copy.deallocate()
        }
        let status = deflateCopy(copy, stream)
        precondition(status == Z_OK, "deflateCopy failed: \(status)")
        return body(copy)
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }
}
