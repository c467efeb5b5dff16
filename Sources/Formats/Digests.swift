import Crypto
import Foundation

/// Hex digests (swift-crypto), for States.Hash and SQS's `MD5OfMessageBody`.
public enum HexDigest {
    public static let algorithms = ["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"]

    /// The lowercase hex digest of `bytes`, or nil for an algorithm States.Hash does not know.
    public static func hex(_ bytes: [UInt8], algorithm: String) -> String? {
        let digest: [UInt8]
        switch algorithm {
        case "MD5": digest = Array(Insecure.MD5.hash(data: bytes))
        case "SHA-1": digest = Array(Insecure.SHA1.hash(data: bytes))
        case "SHA-256": digest = Array(SHA256.hash(data: bytes))
        case "SHA-384": digest = Array(SHA384.hash(data: bytes))
        case "SHA-512": digest = Array(SHA512.hash(data: bytes))
        default: return nil
        }
        return digest.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }

    public static func md5(_ text: String) -> String { hex(Array(text.utf8), algorithm: "MD5") ?? "" }
}

extension HexDigest {
    /// One SQS message attribute as the MD5OfMessageAttributes algorithm reads it.
    public struct MessageAttribute: Sendable {
        public var name: String
        public var dataType: String
        /// UTF-8 of StringValue, or the decoded BinaryValue.
        public var value: [UInt8]
        public var isBinary: Bool

        public init(name: String, dataType: String, value: [UInt8], isBinary: Bool) {
            self.name = name
            self.dataType = dataType
            self.value = value
            self.isBinary = isBinary
        }

        /// As SendMessage carries it: a StringValue, or a BinaryValue in base64.
        public init(name: String, dataType: String, stringValue: String?, binaryValue: String?) {
            let binary = binaryValue.flatMap { Data(base64Encoded: $0) }
            self.init(
                name: name, dataType: dataType, value: binary.map(Array.init) ?? Array((stringValue ?? "").utf8),
                isBinary: binary != nil)
        }
    }

    /// SQS's `MD5OfMessageAttributes`: by name, each of name, data type and value length-prefixed (4 bytes, big
    /// endian), the value preceded by its transport type (1 string or number, 2 binary).
    public static func md5OfMessageAttributes(_ attributes: [MessageAttribute]) -> String {
        var bytes: [UInt8] = []
        func append(_ field: [UInt8]) {
            let count = UInt32(field.count)
            bytes += [UInt8(count >> 24), UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF), UInt8(count & 0xFF)]
            bytes += field
        }
        for attribute in attributes.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }) {
            append(Array(attribute.name.utf8))
            append(Array(attribute.dataType.utf8))
            bytes.append(attribute.isBinary ? 2 : 1)
            append(attribute.value)
        }
        return hex(bytes, algorithm: "MD5") ?? ""
    }
}
