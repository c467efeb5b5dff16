import AsyncHTTPClient
import JSON
import NIOCore
import Wire

/// Calls a topology through its AWS gateway, as an AWS SDK would: the JSON protocol (`X-Amz-Target`) for Step
/// Functions, SQS and CloudWatch Logs. For the CLI's commands that run against a topology it did not start (in
/// containers, on another host) and for comparing callbacksim with any other AWS-compatible endpoint. Requests
/// are unsigned; the gateway takes them unless it was started with `--credentials`.
public final class GatewayClient: OperationCaller {
    public let endpoint: String

    public init(endpoint: String) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
    }

    public func call(_ address: OperationName, body: [UInt8], timeout: Duration) async throws -> [UInt8] {
        guard let target = address.api.jsonTarget else {
            throw AWSError("UnknownOperationException", "\(address) is not reached through the JSON protocol")
        }
        var request = HTTPClientRequest(url: endpoint + "/")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-amz-json-\(target.version)")
        request.headers.add(name: "X-Amz-Target", value: "\(target.prefix).\(address.name)")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
        let reply = Array(buffer: try await response.body.collect(upTo: 64 * 1_048_576))
        guard response.status.code >= 300 else { return reply }
        throw Self.error(status: Int(response.status.code), body: reply)
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
