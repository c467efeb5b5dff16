import AsyncHTTPClient
import Foundation
import JSON
import NIOCore
import ServiceSupport
import Storage
import Synchronization
import Wire

/// SNS's pushes to subscribed functions and HTTP/S endpoints: rows of a delivery table, written in the publishing
/// transaction and retried until delivered or out of retries, so a crash loses none.
extension Broker {
    /// An HTTP/S subscription's retry policy: `DeliveryPolicy`'s `healthyRetryPolicy` (numRetries, minDelayTarget;
    /// linear), else SNS's default of three retries twenty seconds apart.
    struct HTTPRetryPolicy {
        var retries: Int
        var delay: Double

        init(_ text: String?) {
            let policy = text.flatMap { try? JSONValue.parse($0) }
            let healthy = policy?["healthyRetryPolicy"] ?? policy?["http"]?["defaultHealthyRetryPolicy"]
            retries = min(healthy?["numRetries"]?.integerValue ?? 3, 100)
            delay = healthy?["minDelayTarget"]?.numberValue ?? 20
        }
    }

    func scheduleDelivery(
        kind: String, subscriptionArn: String, target: String, payload: String, headers: JSONValue?,
        policy: HTTPRetryPolicy?, _ db: Database
    ) throws {
        let headers = headers?.serialized()
        try db.executeCached(
            sql: """
                INSERT INTO deliveries (subscription_arn, function_name, payload, next_attempt, kind, headers,
                    max_attempts, retry_delay) VALUES (?, ?, ?, 0, ?, ?, ?, ?)
                """,
            arguments: [
                subscriptionArn, target, payload, kind, headers, policy.map { $0.retries + 1 },
                policy?.delay,
            ])
        // The delivery is in hand: its first attempt starts once the write is committed, without a look.
        let delivery = DueDelivery(
            id: db.lastInsertedRowID, kind: kind, target: target, payload: payload, headers: headers,
            attempts: 0, maxAttempts: policy.map { $0.retries + 1 }, retryDelay: policy?.delay)
        database.afterCommit { self.deliveries.offer([delivery]) }
    }

    public func deliveryBacklog() async throws -> DeliveryBacklogOutput {
        DeliveryBacklogOutput(
            pending: try await database.read { db in
                try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM deliveries")) ?? 0
            }
        )
    }

    /// SNS's retry policy for AWS-managed endpoints (functions): 3 immediate tries, 2 one second apart, 10 backing
    /// off from 1 to 20 seconds, then every 20 seconds (100,015 tries in all).
    static func deliveryRetryDelay(afterFailures failures: Int) -> Double? {
        switch failures {
        case 0..<3: return 0
        case 3..<5: return 1
        case 5..<15: return min(20, pow(2, Double(failures - 5)))
        case 15..<100_015: return 20
        default: return nil
        }
    }

    struct DueDelivery: Sendable {
        var id: Int64
        var kind: String
        var target: String
        var payload: String
        var headers: String?
        var attempts: Int
        var maxAttempts: Int?
        var retryDelay: Double?
    }

    /// What one attempt came to.
    enum DeliveryResult {
        case delivered
        /// Worth another try (no answer, a 5xx, a function error).
        case retry
        /// An HTTP 4xx: SNS does not retry it.
        case refused
    }

    /// Pushes notifications until cancelled. `functions` maps function names to clients.
    public func runDeliveries(functions: [String: any OperationCaller], maxConcurrent: Int = 64) async {
        let http = LazyHTTPClient()
        await deliveries.run(
            .concurrent(max: maxConcurrent, id: \.id) { delivery in
                let result: DeliveryResult =
                    delivery.kind == "http"
                    ? await self.post(delivery, with: http.client)
                    : await self.invoke(delivery, functions[delivery.target])
                return await self.settle(delivery, result)
            }
        ) { now, limit in
            try await self.database.read { db in
                let due = try Row.fetchAll(
                    db.cachedStatement(sql: "SELECT * FROM deliveries WHERE next_attempt <= ? ORDER BY id LIMIT ?"),
                    arguments: [now, limit]
                ).map {
                    DueDelivery(
                        id: $0["id"], kind: $0["kind"], target: $0["function_name"], payload: $0["payload"],
                        headers: $0["headers"], attempts: $0["attempts"], maxAttempts: $0["max_attempts"],
                        retryDelay: $0["retry_delay"])
                }
                let next = try Double.fetchOne(
                    db.cachedStatement(sql: "SELECT MIN(next_attempt) FROM deliveries WHERE next_attempt > ?"),
                    arguments: [now])
                return .init(items: due, next: next)
            }
        }
        await http.shutdown()
    }

    private func invoke(_ delivery: DueDelivery, _ client: (any OperationCaller)?) async -> DeliveryResult {
        guard let client, let event = try? JSONValue.parse(delivery.payload) else {
            logger.warning("no endpoint for function \(delivery.target); delivery \(delivery.id) waits")
            return .retry
        }
        do {
            let request = InvokeInput(FunctionName: delivery.target, Payload: event, InvocationType: "Event")
            let reply = try await client.call(
                Lambda.invoke, request, timeout: .seconds(5), idempotencyKey: "sns-delivery-\(delivery.id)")
            return reply.FunctionError == nil ? .delivered : .retry
        } catch {
            logger.debug("delivery \(delivery.id) to \(delivery.target) failed: \(error)")
            return .retry
        }
    }

    /// POSTs a notification as SNS does: its headers, `text/plain`, a 15-second timeout; 2xx delivers, 4xx is
    /// a permanent failure, anything else is retried.
    private func post(_ delivery: DueDelivery, with http: HTTPClient) async -> DeliveryResult {
        var request = HTTPClientRequest(url: delivery.target)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/plain; charset=UTF-8")
        request.headers.add(name: "User-Agent", value: "Amazon Simple Notification Service Agent")
        for (name, value) in (delivery.headers.flatMap { try? JSONValue.parse($0) }?.objectValue ?? JSONObject()) {
            if let text = value.stringValue { request.headers.add(name: name, value: text) }
        }
        request.body = .bytes(ByteBuffer(string: delivery.payload))
        do {
            let response = try await http.execute(request, timeout: .seconds(15))
            _ = try? await response.body.collect(upTo: 1_048_576)
            switch response.status.code {
            case 200..<300: return .delivered
            case 400..<500: return .refused
            default: return .retry
            }
        } catch {
            logger.debug("delivery \(delivery.id) to \(delivery.target) failed: \(error)")
            return .retry
        }
    }

    private func settle(_ delivery: DueDelivery, _ result: DeliveryResult) async -> Scheduler<DueDelivery>.AttemptEnd {
        let now = clock.now()
        let failures = delivery.attempts + 1
        let delay: Double? =
            switch (result, delivery.maxAttempts) {
            case (.retry, .some(let maxAttempts)): failures < maxAttempts ? delivery.retryDelay ?? 20 : nil
            case (.retry, .none): Self.deliveryRetryDelay(afterFailures: failures)
            default: nil
            }
        if result == .refused {
            logger.warning("\(delivery.target) refused delivery \(delivery.id) (HTTP 4xx); SNS does not retry it")
        } else if result == .retry && delay == nil {
            logger.error("delivery \(delivery.id) to \(delivery.target) dropped after exhausting its retry policy")
        }
        _ = try? await database.write { db in
            if let delay {
                try db.executeCached(
                    sql: "UPDATE deliveries SET attempts = attempts + 1, next_attempt = ? WHERE id = ?",
                    arguments: [now + delay, delivery.id])
            } else {
                try db.executeCached(sql: "DELETE FROM deliveries WHERE id = ?", arguments: [delivery.id])
            }
        }
        return delay == nil ? .settled : .owedAgain
    }
}

/// An HTTP client made on the first HTTP delivery: a broker with no HTTP subscription (the seed's, a simulation's)
/// never starts one, nor waits for its event loop to shut down.
final class LazyHTTPClient: Sendable {
    private let made = Mutex<HTTPClient?>(nil)

    var client: HTTPClient {
        made.withLock { made in
            if let made { return made }
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            made = client
            return client
        }
    }

    func shutdown() async {
        try? await made.withLock { $0 }?.shutdown()
    }
}
