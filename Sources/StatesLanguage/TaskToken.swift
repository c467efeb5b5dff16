import Foundation

/// Task tokens: 192 random bits, a version byte and a checksum, base64url-encoded behind an `AQ` prefix.
///
/// The checksum lets the orchestrator tell a mangled token (`InvalidToken`) from a well-formed one that names no
/// task (`TaskDoesNotExist`), a line AWS leaves undrawn (research/semantics.md §1.3). A token wrapped in quotes,
/// as the upstream callback Lambda sends it, is mangled.
public enum TaskToken {
    static let prefix = "AQ"
    static let version: UInt8 = 1
    static let randomByteCount = 24

    public static func mint(using random: inout some RandomNumberGenerator) -> String {
        var bytes: [UInt8] = [version]
        for _ in 0..<randomByteCount { bytes.append(UInt8.random(in: 0...255, using: &random)) }
        bytes.append(contentsOf: checksum(bytes))
        return prefix + base64URL(bytes)
    }

    public static func isWellFormed(_ token: String) -> Bool {
        guard token.hasPrefix(prefix), let bytes = decodeBase64URL(String(token.dropFirst(prefix.count))),
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

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: String) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
