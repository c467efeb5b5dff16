import Crypto
import Foundation

/// AWS Signature Version 4, as the SDKs sign requests (research/aws-protocols.md §8): the credential scope names
/// the caller's region and the service. The gateway reads it (and, when given credentials, checks the signature);
/// the gateway client signs with it, as endpoints that route by the scope's service (LocalStack, moto) require.
public enum SigV4 {
    public struct Authorization: Sendable, Equatable {
        public var accessKey: String
        public var date: String
        public var region: String
        public var service: String
        public var signedHeaders: [String]
        public var signature: String

        /// The `Authorization` header's value.
        public var header: String {
            "AWS4-HMAC-SHA256 Credential=\(accessKey)/\(date)/\(region)/\(service)/aws4_request, SignedHeaders=\(signedHeaders.joined(separator: ";")), Signature=\(signature)"
        }
    }

    /// Reads `AWS4-HMAC-SHA256 Credential=AKID/20261129/us-east-1/states/aws4_request, SignedHeaders=…,
    /// Signature=…`; nil when the header is not a SigV4 authorization.
    public static func parse(_ header: String) -> Authorization? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("AWS4-HMAC-SHA256 ") else { return nil }
        var fields: [String: String] = [:]
        for part in trimmed.dropFirst("AWS4-HMAC-SHA256 ".count).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            guard let equals = pair.firstIndex(of: "=") else { continue }
            fields[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        guard let credential = fields["Credential"], let signed = fields["SignedHeaders"],
            let signature = fields["Signature"]
        else { return nil }
        let scope = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard scope.count == 5, scope[4] == "aws4_request", !scope[0].isEmpty else { return nil }
        return Authorization(
            accessKey: scope[0], date: scope[1], region: scope[2], service: scope[3],
            signedHeaders: signed.split(separator: ";").map(String.init), signature: signature)
    }

    /// The signature a request with `secret` should carry. `headers` are lower-cased; `path` and `query` as
    /// received (percent-encoded).
    public static func signature(
        secret: String, authorization: Authorization, method: String, path: String, query: String,
        headers: [String: String], body: [UInt8]
    ) -> String {
        let canonicalHeaders = authorization.signedHeaders.map { name in
            let value = (headers[name] ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            return "\(name):\(value)\n"
        }.joined()
        let payloadHash = headers["x-amz-content-sha256"] ?? hex(SHA256.hash(data: body))
        let canonicalRequest = [
            method, canonicalURI(path), canonicalQuery(query), canonicalHeaders,
            authorization.signedHeaders.joined(separator: ";"), payloadHash,
        ].joined(separator: "\n")
        let scope = "\(authorization.date)/\(authorization.region)/\(authorization.service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", headers["x-amz-date"] ?? "", scope,
            hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        var key = SymmetricKey(data: Array("AWS4\(secret)".utf8))
        for part in [authorization.date, authorization.region, authorization.service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    /// Signs a request: every header given (lower-cased names, `host` and `x-amz-date` among them) is signed.
    public static func sign(
        accessKey: String, secret: String, region: String, service: String, method: String, path: String,
        query: String, headers: [String: String], body: [UInt8]
    ) -> Authorization {
        var authorization = Authorization(
            accessKey: accessKey, date: String((headers["x-amz-date"] ?? "").prefix(8)), region: region,
            service: service, signedHeaders: headers.keys.sorted(), signature: "")
        authorization.signature = signature(
            secret: secret, authorization: authorization, method: method, path: path, query: query, headers: headers,
            body: body)
        return authorization
    }

    /// `X-Amz-Date`'s form of a time: `20261129T130637Z`.
    public static func amzDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    /// Services other than S3 sign the path as sent, percent-encoded once more (`%3A` → `%253A`).
    static func canonicalURI(_ path: String) -> String {
        let normalized = path.isEmpty ? "/" : path
        return percentEncode(normalized, keeping: "/~")
    }

    /// Each name and value decoded, then encoded as RFC 3986 asks, sorted.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = FormEncoding.decode(String(parts[0]), plusIsSpace: false)
            let value = parts.count > 1 ? FormEncoding.decode(String(parts[1]), plusIsSpace: false) : ""
            return (percentEncode(name, keeping: "-_.~"), percentEncode(value, keeping: "-_.~"))
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(
            separator: "&")
    }

    static func percentEncode(_ text: String, keeping safe: String) -> String {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8)
        let extra = Set(safe.utf8)
        var output = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) || extra.contains(byte) {
                output.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                output += String(format: "%%%02X", byte)
            }
        }
        return output
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// `X-Amz-Date`'s `20261129T130637Z` as seconds since 1970.
    public static func time(ofAmzDate text: String) -> Double? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.date(from: text)?.timeIntervalSince1970
    }
}
