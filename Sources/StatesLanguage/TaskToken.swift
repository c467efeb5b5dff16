/// Task tokens: 192 random bits, a version byte and a checksum, base64url-encoded behind an `AQ` prefix.
///
/// The checksum lets the orchestrator tell a mangled token (`InvalidToken`) from a well-formed one that names no
/// task (`TaskDoesNotExist`), a line AWS leaves undrawn (research/semantics.md §1.3). A token wrapped in quotes,
/// as the upstream callback Lambda sends it, is mangled.
public enum TaskToken {
    static let prefix = "AQ"
    static let version: UInt8 = 1
    /// The random part is drawn eight bytes at a time (a draw of the system's generator is a system call).
    static let randomDraws = 3
    static let randomByteCount = randomDraws * 8

    public static func mint(using random: inout some RandomNumberGenerator) -> String {
        var bytes: [UInt8] = [version]
        bytes.reserveCapacity(1 + randomByteCount + 4)
        for _ in 0..<randomDraws {
            withUnsafeBytes(of: random.next().littleEndian) { bytes.append(contentsOf: $0) }
        }
        bytes.append(contentsOf: checksum(bytes))
        return prefix + base64URL(bytes)
    }

    public static func isWellFormed(_ token: String) -> Bool {
        guard token.hasPrefix(prefix), let bytes = decodeBase64URL(token.utf8.dropFirst(prefix.utf8.count)),
            bytes.count == 1 + randomByteCount + 4, bytes[0] == version
        else { return false }
        return Array(bytes.suffix(4)) == checksum(Array(bytes.prefix(1 + randomByteCount)))
    }

    /// FNV-1a: not a secret, only a guard against typos and truncation.
    static func checksum(_ bytes: [UInt8]) -> [UInt8] {
        var hash: UInt32 = 0x811C_9DC5
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return [UInt8(hash >> 24), UInt8((hash >> 16) & 0xFF), UInt8((hash >> 8) & 0xFF), UInt8(hash & 0xFF)]
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Base64url without padding (RFC 4648 §5).
    static func base64URL(_ bytes: [UInt8]) -> String {
        var text: [UInt8] = []
        text.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var group = UInt32(bytes[index]) << 16
            if count > 1 { group |= UInt32(bytes[index + 1]) << 8 }
            if count > 2 { group |= UInt32(bytes[index + 2]) }
            for position in 0...count { text.append(alphabet[Int((group >> (18 - 6 * position)) & 0x3F)]) }
            index += 3
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Base64url without padding; nil for any other character, a length no encoding has, or a last character no
    /// encoder writes.
    static func decodeBase64URL(_ text: some Collection<UInt8>) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count * 3 / 4)
        var group: UInt32 = 0
        var count = 0
        for character in text {
            let value: UInt8
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = character - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = character - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0") + 52
            case UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "_"): value = 63
            default: return nil
            }
            group = group << 6 | UInt32(value)
            count += 1
            if count == 4 {
                bytes.append(UInt8(group >> 16))
                bytes.append(UInt8((group >> 8) & 0xFF))
                bytes.append(UInt8(group & 0xFF))
                group = 0
                count = 0
            }
        }
        // A last group's unused low bits are zero in the one encoding of its bytes; anything else was altered.
        switch count {
        case 0: break
        case 2 where group & 0xF == 0: bytes.append(UInt8(group >> 4))
        case 3 where group & 0x3 == 0:
            bytes.append(UInt8(group >> 10))
            bytes.append(UInt8((group >> 2) & 0xFF))
        default: return nil
        }
        return bytes
    }
}
