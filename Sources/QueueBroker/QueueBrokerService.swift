import Foundation
import Logging
import ServiceSupport
import Wire
import ZeroMQ

extension Broker {
    /// The SQS and SNS APIs this broker serves, and its two read-only control operations.
    public var router: WireRouter {
        var router = WireRouter()
        router.on(SQS.createQueue) { input, _ in try await self.createQueue(input) }
        router.on(SQS.getQueueUrl) { input, _ in try await self.getQueueUrl(input.QueueName) }
        router.on(SQS.listQueues) { _, _ in try await self.listQueues() }
        router.on(SQS.getQueueAttributes) { input, _ in try await self.getQueueAttributes(input) }
        router.on(
            SQS.sendMessage,
            encoded: { input, request in
                try await self.sendMessage(input, idempotencyKey: request.header.idem)
            })
        router.on(SQS.receiveMessage) { input, _ in try await self.receiveMessage(input) }
        router.on(SQS.deleteMessage) { input, _ in
            try await self.deleteMessage(input)
            return EmptyOutput()
        }
        router.on(SQS.changeMessageVisibility) { input, _ in
            try await self.changeMessageVisibility(input)
            return EmptyOutput()
        }
        router.on(SQS.purgeQueue) { input, _ in
            try await self.purgeQueue(input.QueueUrl)
            return EmptyOutput()
        }
        router.on(Control.listMessages) { input, _ in try await self.listMessages(input.QueueUrl) }
        router.on(SNS.createTopic) { input, _ in try await self.createTopic(input) }
        router.on(SNS.listTopics) { _, _ in try await self.listTopics() }
        router.on(SNS.subscribe) { input, _ in try await self.subscribe(input) }
        router.on(SNS.listSubscriptionsByTopic) { input, _ in try await self.listSubscriptions(topicArn: input.TopicArn)
        }
        router.on(
            SNS.publish,
            encoded: { input, request in
                try await self.publish(input, idempotencyKey: request.header.idem)
            })
        router.on(Control.getDeliveryBacklog) { _, _ in try await self.deliveryBacklog() }
        return router
    }
}

/// The `queue-broker` process.
public enum QueueBrokerService {
    public struct Options: Sendable {
        public var dataDirectory: String
        public var endpoint: String
        public var functions: [String: String]
        public var clock: any WallClock
        public var region: String
        public var accountId: String
        public var gatewayUrl: String

        public init(
            dataDirectory: String, endpoint: String, functions: [String: String],
            clock: any WallClock = SystemWallClock(), region: String = "us-east-1",
            accountId: String = "000000000000", gatewayUrl: String = "http://localhost:4566"
        ) {
            self.dataDirectory = dataDirectory
            self.endpoint = endpoint
            self.functions = functions
            self.clock = clock
            self.region = region
            self.accountId = accountId
            self.gatewayUrl = gatewayUrl
        }
    }

    public static func run(_ options: Options) async throws {
        let logger = Logger(label: "queue-broker")
        let context = Context()
        let broker = Broker(
            database: try Broker.openDatabase(path: options.dataDirectory + "/queue-broker.sqlite"),
            clock: options.clock, region: options.region, accountId: options.accountId,
            gatewayUrl: options.gatewayUrl, logger: logger)
        var clients: [String: WireClient] = [:]
        for (name, value) in options.functions {
            let (service, endpoint) = splitServiceEndpoint(value)
            clients[name] = try await WireClient.connect(context: context, endpoint: endpoint, service: service)
        }
        let functionClients = clients
        let server = try await WireServer.bind(context: context, endpoint: options.endpoint, logger: logger)
        logger.info("queue-broker serving on \(server.endpoint), data in \(options.dataDirectory)")
        try await ServiceHost.run(
            [
                LoopService("deliveries") { await broker.runDeliveries(functions: functionClients) },
                LoopService("housekeeping") { await broker.runHousekeeping() },
                ServiceHost.api(
                    "queue-broker", server: server, clock: options.clock as? AdjustableWallClock, router: broker.router),
            ], logger: logger)
    }
}
