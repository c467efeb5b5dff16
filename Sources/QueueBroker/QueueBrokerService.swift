import Foundation
import Logging
import ServiceSupport
import Wire
import ZeroMQ

extension Broker {
    /// The SQS and SNS APIs this broker serves, and its two read-only control operations. Each request is made in
    /// its caller's region and account.
    public var router: WireRouter {
        var router = WireRouter()
        router.on(SQS.createQueue) { input, request in try await self.createQueue(input, scope: self.scope(of: request))
        }
        router.on(SQS.getQueueUrl) { input, request in try await self.getQueueUrl(input, scope: self.scope(of: request))
        }
        router.on(SQS.getQueueAttributes) { input, request in
            try await self.getQueueAttributes(input, scope: self.scope(of: request))
        }
        router.on(SQS.setQueueAttributes) { input, request in
            try await self.setQueueAttributes(input, scope: self.scope(of: request))
            return EmptyOutput()
        }
        router.on(SQS.deleteQueue) { input, request in
            try await self.deleteQueue(input.QueueUrl, scope: self.scope(of: request))
            return EmptyOutput()
        }
        router.on(SQS.purgeQueue) { input, request in
            try await self.purgeQueue(input.QueueUrl, scope: self.scope(of: request))
            return EmptyOutput()
        }
        router.on(SQS.listQueues) { input, request in try await self.listQueues(input, scope: self.scope(of: request)) }
        router.on(SQS.listDeadLetterSourceQueues) { input, request in
            try await self.listDeadLetterSourceQueues(input, scope: self.scope(of: request))
        }
        router.on(SQS.tagQueue) { input, request in
            try await self.tagQueue(input, scope: self.scope(of: request))
            return EmptyOutput()
        }
        router.on(SQS.untagQueue) { input, request in
            try await self.untagQueue(input, scope: self.scope(of: request))
            return EmptyOutput()
        }
        router.on(SQS.listQueueTags) { input, request in
            try await self.listQueueTags(input.QueueUrl, scope: self.scope(of: request))
        }
        router.on(
            SQS.sendMessage,
            encoded: { input, request in
                try await self.sendMessage(input, scope: self.scope(of: request), idempotencyKey: request.header.idem)
            })
        router.on(
            SQS.sendMessageBatch,
            encoded: { input, request in
                try await self.sendMessageBatch(
                    input, scope: self.scope(of: request), idempotencyKey: request.header.idem)
            })
        router.on(SQS.receiveMessage) { input, request in
            try await self.receiveMessage(input, scope: self.scope(of: request))
        }
        router.on(SQS.deleteMessage) { input, request in
            try await self.deleteMessage(input, scope: self.scope(of: request))
            return EmptyOutput()
        }
        router.on(SQS.deleteMessageBatch) { input, request in
            try await self.deleteMessageBatch(input, scope: self.scope(of: request))
        }
        router.on(SQS.changeMessageVisibility) { input, request in
            try await self.changeMessageVisibility(input, scope: self.scope(of: request))
            return EmptyOutput()
        }
        router.on(SQS.changeMessageVisibilityBatch) { input, request in
            try await self.changeMessageVisibilityBatch(input, scope: self.scope(of: request))
        }
        router.on(SQS.startMessageMoveTask) { input, _ in
            try await self.startMessageMoveTask(input)
        }
        router.on(SQS.listMessageMoveTasks) { input, _ in
            try await self.listMessageMoveTasks(input)
        }
        router.on(SQS.cancelMessageMoveTask) { input, _ in
            try await self.cancelMessageMoveTask(input)
        }
        router.on(Control.listMessages) { input, request in
            try await self.listMessages(input.QueueUrl, scope: self.scope(of: request))
        }
        router.on(SNS.createTopic) { input, request in try await self.createTopic(input, scope: self.scope(of: request))
        }
        router.on(SNS.deleteTopic) { input, _ in
            try await self.deleteTopic(input.TopicArn)
            return EmptyOutput()
        }
        router.on(SNS.listTopics) { input, request in try await self.listTopics(input, scope: self.scope(of: request)) }
        router.on(SNS.getTopicAttributes) { input, _ in try await self.getTopicAttributes(input.TopicArn) }
        router.on(SNS.setTopicAttributes) { input, _ in
            try await self.setTopicAttributes(input)
            return EmptyOutput()
        }
        router.on(SNS.subscribe) { input, _ in try await self.subscribe(input) }
        router.on(SNS.confirmSubscription) { input, _ in try await self.confirmSubscription(input) }
        router.on(SNS.unsubscribe) { input, _ in
            try await self.unsubscribe(input.SubscriptionArn)
            return EmptyOutput()
        }
        router.on(SNS.listSubscriptions) { input, request in
            try await self.listSubscriptions(input, scope: self.scope(of: request))
        }
        router.on(SNS.listSubscriptionsByTopic) { input, _ in try await self.listSubscriptions(byTopic: input) }
        router.on(SNS.getSubscriptionAttributes) { input, _ in
            try await self.getSubscriptionAttributes(input.SubscriptionArn)
        }
        router.on(SNS.setSubscriptionAttributes) { input, _ in
            try await self.setSubscriptionAttributes(input)
            return EmptyOutput()
        }
        router.on(
            SNS.publish,
            encoded: { input, request in
                try await self.publish(input, idempotencyKey: request.header.idem)
            })
        router.on(
            SNS.publishBatch,
            encoded: { input, request in
                try await self.publishBatch(input, idempotencyKey: request.header.idem)
            })
        router.on(SNS.tagResource) { input, _ in
            try await self.tagResource(input)
            return EmptyOutput()
        }
        router.on(SNS.untagResource) { input, _ in
            try await self.untagResource(input)
            return EmptyOutput()
        }
        router.on(SNS.listTagsForResource) { input, _ in try await self.listTagsForResource(input.ResourceArn) }
        router.on(Control.getDeliveryBacklog) { _, _ in try await self.deliveryBacklog() }
        return router
    }
}

/// The `queue-broker` process.
public enum QueueBrokerService: ServiceDefinition {
    public static let processName = "queue-broker"

    public struct Options: ServiceOptions {
        public var dataDirectory: String
        public var endpoint: String
        public var functions: [String: String]
        public var clock: any WallClock
        public var region: String
        public var accountId: String
        public var gatewayUrl: String

        public init(
            dataDirectory: String, endpoint: String, functions: [String: String],
            clock: any WallClock = AdjustableWallClock(), region: String = "us-east-1",
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

    /// The broker and its loops (SNS deliveries to `functions`, housekeeping, message moves), in `environment`.
    public static func parts(_ options: Options, in environment: ProcessEnvironment) async throws -> ServiceParts {
        let broker = Broker(
            storage: try environment.database("queue-broker.sqlite", BrokerSchema.migrator), clock: options.clock,
            region: options.region, accountId: options.accountId, gatewayUrl: options.gatewayUrl,
            logger: environment.logger, realClock: environment.realClock, random: environment.random)
        var functions: [String: any OperationCaller] = [:]
        for (name, value) in options.functions.sorted(by: { $0.key < $1.key }) {
            functions[name] = try await environment.connect(value)
        }
        let clients = functions
        return ServiceParts(
            router: broker.router,
            loops: [
                LoopService("deliveries") { await broker.runDeliveries(functions: clients) },
                LoopService("housekeeping") { await broker.runHousekeeping() },
                LoopService("message moves") { await broker.runMoveTasks() },
            ])
    }
}
