import Foundation
import JSON

/// The wire protocol version this build speaks. A request with any other `v` gets an error reply.
public let wireProtocolVersion = 1

/// First frame after the routing envelope: `{"v":1,"op":"StartExecution","id":"…","trace":"…"}`.
///
/// `idem` is an idempotency key: a server that records it answers a retried request with the first answer
/// instead of acting twice (how the orchestrator's outbox gets exactly-once effects over at-least-once delivery).
public struct RequestHeader: Codable, Sendable, Equatable {
    public var v: Int
    public var op: String
    public var id: String
    public var trace: String?
    public var idem: String?
    /// The API the operation belongs to; absent in hand-made frames, which are then routed by `op` alone.
    public var api: API?
    /// The caller's region and account (from the AWS gateway's SigV4 credential scope); absent: the process's own.
    public var region: String?
    public var account: String?

    public init(
        op: String, api: API? = nil, id: String, trace: String? = nil, idempotencyKey: String? = nil,
        scope: Scope? = nil
    ) {
        self.v = wireProtocolVersion
        self.op = op
        self.api = api
        self.id = id
        self.trace = trace
        self.idem = idempotencyKey
        self.region = scope?.region
        self.account = scope?.account
    }

    /// The region and account the request was made in, when the caller said.
    public var scope: Scope? {
        guard let region, let account else { return nil }
        return Scope(region: region, account: account)
    }
}

/// Where a request was made: the AWS region and account its resources belong to.
public struct Scope: Sendable, Hashable, Codable {
    public var region: String
    public var account: String

    public init(region: String, account: String) {
        self.region = region
        self.account = account
    }
}

/// First frame of a reply. `ok` false means the body is an `AWSError`.
public struct ReplyHeader: Codable, Sendable, Equatable {
    public var v: Int
    public var id: String
    public var ok: Bool

    public init(id: String, ok: Bool) {
        self.v = wireProtocolVersion
        self.id = id
        self.ok = ok
    }
}

/// An error in AWS's JSON-protocol shape: `{"__type": "InvalidToken", "message": "…"}`.
public struct AWSError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    public var type: String
    public var message: String

    enum CodingKeys: String, CodingKey {
        case type = "__type"
        case message
    }

    public init(_ type: String, _ message: String) {
        self.type = type
        self.message = message
    }

    public var description: String { "\(type): \(message)" }

    public static func validation(_ message: String) -> AWSError { AWSError("ValidationException", message) }
    public static func serialization(_ message: String) -> AWSError { AWSError("SerializationException", message) }
    public static func unknownOperation(_ op: String) -> AWSError {
        AWSError("UnknownOperationException", "Unknown operation \(op)")
    }
    /// AWS's message for a required member that is absent or null.
    public static func missingMember(_ path: String) -> AWSError {
        validation(
            "1 validation error detected: Value null at '\(path)' failed to satisfy constraint: Member must not be null"
        )
    }
}

// Every message carries a header, coded by every process on each request and reply: written member by member and
// read straight from the parsed object, in the shape their `Codable` conformance gives them, without Codable's
// containers in between. `HeaderCodingTests` holds the shapes equal.

extension RequestHeader: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.member("v", v)
            writer.member("op", op)
            writer.member("id", id)
            writer.member("trace", trace)
            writer.member("idem", idem)
            writer.member("api", api?.rawValue)
            writer.member("region", region)
            writer.member("account", account)
        }
    }

    /// Reads a header frame; any frame its `Decodable` would refuse is refused.
    public init(frame: [UInt8]) throws(AWSError) {
        let object = try WireCoding.headerObject(frame)
        func optional(_ key: String) throws(AWSError) -> String? {
            guard let value = object[key], !value.isNull else { return nil }
            guard let string = value.stringValue else { throw .serialization("'\(key)' is not a string") }
            return string
        }
        guard let v = object["v"]?.integerValue, let op = object["op"]?.stringValue, let id = object["id"]?.stringValue
        else { throw .serialization("Malformed request header") }
        self.v = v
        self.op = op
        self.id = id
        trace = try optional("trace")
        idem = try optional("idem")
        if let name = try optional("api") {
            guard let api = API(rawValue: name) else { throw .serialization("Unknown API '\(name)'") }
            self.api = api
        }
        region = try optional("region")
        account = try optional("account")
    }
}

extension ReplyHeader: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.member("v", v)
            writer.member("id", id)
            writer.member("ok", ok)
        }
    }

    public init(frame: [UInt8]) throws(AWSError) {
        let object = try WireCoding.headerObject(frame)
        guard let v = object["v"]?.integerValue, let id = object["id"]?.stringValue, let ok = object["ok"]?.boolValue
        else { throw .serialization("Malformed reply header") }
        self.v = v
        self.id = id
        self.ok = ok
    }
}

/// JSON coding of AWS-shaped bodies through `JSONValue` (the one JSON representation: key order and `200` vs
/// `200.0` survive), with decoding failures turned into AWS's error names.
public enum WireCoding {
    public static func encode(_ value: some Encodable) -> [UInt8] {
        // Encoding our own Codable types cannot fail: they hold no non-finite floats.
        ((try? JSONValueEncoder().encode(value)) ?? .object(JSONObject())).utf8Bytes
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(AWSError) -> T {
        try decode(type, from: try decodeJSON(bytes))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws(AWSError) -> T {
        do {
            return try JSONValueDecoder().decode(type, from: value)
        } catch let DecodingError.keyNotFound(key, context) {
            throw AWSError.missingMember(path(context.codingPath + [key]))
        } catch let DecodingError.valueNotFound(_, context) {
            throw AWSError.missingMember(path(context.codingPath))
        } catch let DecodingError.typeMismatch(_, context) {
            throw AWSError.serialization(
                "Unexpected type at '\(path(context.codingPath))': \(context.debugDescription)")
        } catch {
            throw AWSError.serialization("\(error)")
        }
    }

    static func headerObject(_ frame: [UInt8]) throws(AWSError) -> JSONObject {
        guard let object = try decodeJSON(frame).objectValue else { throw .serialization("A header is an object") }
        return object
    }

    public static func decodeJSON(_ bytes: [UInt8]) throws(AWSError) -> JSONValue {
        do {
            return try JSONValue.parse(bytes: bytes)
        } catch {
            throw AWSError.serialization("Request body is not valid JSON: \(error)")
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { $0.intValue.map { "member.\($0 + 1)" } ?? $0.stringValue }.joined(separator: ".")
    }
}
