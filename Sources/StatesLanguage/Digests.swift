import Crypto

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
