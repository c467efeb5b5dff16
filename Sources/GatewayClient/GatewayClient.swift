import AWSSignature
import AsyncHTTPClient
import Foundation
import JSON
import NIOCore
import Wire

/// Calls a topology through its AWS gateway, as an AWS SDK would: the JSON protocol (`X-Amz-Target`) for Step
/// Functions, SQS and CloudWatch Logs, and SNS's query protocol for inputs of flat members (`CreateTopic`). For the
/// CLI's commands that run against a topology it did not start (in containers, on another host) and for comparing
/// callbacksim with any other AWS-compatible endpoint. Requests are signed (SigV4) as the SDKs sign them, with
/// the credentials and region of the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`) or
/// `test` / `us-east-1`: endpoints that route by the signature's service (LocalStack, moto) need it, and a gateway
/// started with `--credentials` checks it.
public final class GatewayClient: OperationCaller {
    public let endpoint: String
    let host: String
    let credentials: (accessKey: String, secret: String)
    let region: String

    public init(endpoint: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        let components = URLComponents(string: self.endpoint)
        host = (components?.host ?? "localhost") + (components?.port.map { ":\($0)" } ?? "")
        credentials = (
            environment["AWS_ACCESS_KEY_ID"] ?? "test", environment["AWS_SECRET_ACCESS_KEY"] ?? "test"
        )
        region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
    }

    /// POSTs `body` to `/`, signed for `api`: the reply's status and body.
    func post(_ api: API, headers: [String: String], body: [UInt8], timeout: Duration) async throws -> (
        status: Int, body: [UInt8]
    ) {
        var signed = headers
        signed["host"] = host
        signed["x-amz-date"] = SigV4.amzDate(Date())
        let authorization = SigV4.sign(
            accessKey: credentials.accessKey, secret: credentials.secret, region: region, service: api.rawValue,
            method: "POST", path: "/", query: "", headers: signed, body: body)
        var request = HTTPClientRequest(url: endpoint + "/")
        request.method = .POST
        for (name, value) in signed { request.headers.replaceOrAdd(name: name, value: value) }
        request.headers.add(name: "Authorization", value: authorization.header)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
        return (Int(response.status.code), Array(buffer: try await response.body.collect(upTo: 64 * 1_048_576)))
    }

    public func call(_ address: OperationName, body: [UInt8], timeout: Duration) async throws -> [UInt8] {
        if address.api == .sns { return try await callQuery(address, body: body, timeout: timeout) }
        guard let target = address.api.jsonTarget else {
            throw AWSError("UnknownOperationException", "\(address) is not reached through the JSON protocol")
        }
        let (status, reply) = try await post(
            address.api,
            headers: [
                "content-type": "application/x-amz-json-\(target.version)",
                "x-amz-target": "\(target.prefix).\(address.name)",
            ], body: body, timeout: timeout)
        guard status >= 300 else { return reply }
        throw Self.error(status: status, body: reply)
    }

    /// SNS speaks only the query protocol: the input's members as form fields (a map of strings as
    /// `Name.entry.N.key` / `.value`), the reply's `<OperationResult>` members as a flat JSON object of strings.
    func callQuery(_ address: OperationName, body: [UInt8], timeout: Duration) async throws -> [UInt8] {
        var form = [("Action", address.name), ("Version", "2010-03-31")]
        for (name, value) in (try JSONValue.parse(bytes: body)).objectValue ?? JSONObject() {
            switch value {
            case .null: continue
            case .string(let text): form.append((name, text))
            case .object(let map):
                for (index, entry) in map.enumerated() {
                    guard let text = entry.value.stringValue else { throw Self.notFlat(address, name) }
                    form += [("\(name).entry.\(index + 1).key", entry.key), ("\(name).entry.\(index + 1).value", text)]
                }
            case .array: throw Self.notFlat(address, name)
            default: form.append((name, value.serialized()))
            }
        }
        let (status, bytes) = try await post(
            address.api, headers: ["content-type": "application/x-www-form-urlencoded; charset=utf-8"],
            body: Array(form.map { "\(Self.formEscape($0.0))=\(Self.formEscape($0.1))" }.joined(separator: "&").utf8),
            timeout: timeout)
        let reply = String(decoding: bytes, as: UTF8.self)
        guard status < 300 else {
            throw AWSError(
                Self.xmlElement("Code", in: reply) ?? "HTTP\(status)",
                Self.xmlElement("Message", in: reply) ?? String(reply.prefix(500)))
        }
        var output = JSONObject()
        for (name, text) in Self.xmlChildren(of: "\(address.name)Result", in: reply) { output[name] = .string(text) }
        return JSONValue.object(output).utf8Bytes
    }

    static func notFlat(_ address: OperationName, _ member: String) -> AWSError {
        AWSError(
            "InvalidParameterValue", "\(address): the gateway client sends only flat members by query, not \(member)")
    }

    /// RFC 3986 unreserved characters stay; everything else is percent-encoded, as SigV4 canonical forms want.
    static func formEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The text of the first `<name>…</name>`, unescaped.
    static func xmlElement(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"),
            let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex)
        else { return nil }
        return xmlUnescape(String(xml[open.upperBound..<close.lowerBound]))
    }

    /// The leaf elements directly inside the first `<parent>`: name and text.
    static func xmlChildren(of parent: String, in xml: String) -> [(String, String)] {
        guard let inner = xmlElement(parent, in: xml) else { return [] }
        var children: [(String, String)] = []
        var rest = Substring(inner)
        while let open = rest.range(of: "<"), let end = rest.range(of: ">", range: open.upperBound..<rest.endIndex) {
            let name = String(rest[open.upperBound..<end.lowerBound])
            guard let close = rest.range(of: "</\(name)>", range: end.upperBound..<rest.endIndex) else { break }
            children.append((name, String(rest[end.upperBound..<close.lowerBound])))
            rest = rest[close.upperBound...]
        }
        return children
    }

    static func xmlUnescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The gateway's `/_callbacksim/health` (or `/ready`): its status code and body.
    public func health(ready: Bool = false, timeout: Duration = .seconds(2)) async throws -> (
        status: Int, body: JSONValue
    ) {
        let request = HTTPClientRequest(url: endpoint + (ready ? "/_callbacksim/ready" : "/_callbacksim/health"))
        let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
        let body = Array(buffer: try await response.body.collect(upTo: 1_048_576))
        return (Int(response.status.code), (try? JSONValue.parse(bytes: body)) ?? .null)
    }

    /// AWS's JSON error: `__type` (possibly `namespace#Name`) and `message` (or `Message`).
    static func error(status: Int, body: [UInt8]) -> AWSError {
        let value = try? JSONValue.parse(bytes: body)
        let type = value?["__type"]?.stringValue.map { String($0.split(separator: "#").last ?? "") }
        let message = value?["message"]?.stringValue ?? value?["Message"]?.stringValue
        return AWSError(
            type ?? (status >= 500 ? "InternalFailure" : "HTTP\(status)"),
            message ?? String(decoding: body.prefix(500), as: UTF8.self))
    }
}

extension Duration {
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
