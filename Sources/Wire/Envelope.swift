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

    public init(op: String, id: String, trace: String? = nil, idempotencyKey: String? = nil) {
        self.v = wireProtocolVersion
        self.op = op
        self.id = id
        self.trace = trace
        self.idem = idempotencyKey
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
}

/// JSON coding of AWS-shaped bodies, with decoding failures turned into AWS's error names.
public enum WireCoding {
    public static func encode(_ value: some Encodable) -> [UInt8] {
        // Encoding our own Codable types cannot fail: they hold no non-finite floats.
        Array((try? JSONEncoder().encode(value)) ?? Data("{}".utf8))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(AWSError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, context) {
            let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            throw AWSError.validation(
                "1 validation error detected: Value null at '\(path)' failed to satisfy constraint: Member must not be null"
            )
        } catch let DecodingError.typeMismatch(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw AWSError.serialization("Unexpected type at '\(path)': \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw AWSError.validation(
                "1 validation error detected: Value null at '\(path)' failed to satisfy constraint: Member must not be null"
            )
        } catch {
            throw AWSError.serialization("Request body is not valid JSON")
        }
    }

    public static func decodeJSON(_ bytes: [UInt8]) throws(AWSError) -> JSONValue {
        do {
            return try JSONValue.parse(bytes: bytes)
        } catch {
            throw AWSError.serialization("Request body is not valid JSON: \(error)")
        }
    }
}
