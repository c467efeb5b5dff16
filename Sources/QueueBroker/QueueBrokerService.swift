import Foundation
import Logging
import ServiceSupport
import Wire
import ZeroMQ

/// Routes SQS and SNS actions on the wire to the broker.
public struct QueueBrokerAPI: Sendable {
    let broker: Broker

    public init(broker: Broker) {
        self.broker = broker
    }

    public func handle(_ request: WireRequest) async throws -> [UInt8]? {
        switch request.op {
        case SQSOperation.createQueue:
            return WireCoding.encode(try await broker.createQueue(request.decode(CreateQueueInput.self)))
        case SQSOperation.getQueueUrl:
            return WireCoding.encode(try await broker.getQueueUrl(request.decode(GetQueueUrlInput.self).QueueName))
        case SQSOperation.listQueues:
            return WireCoding.encode(try await broker.listQueues())
        case SQSOperation.getQueueAttributes:
            return WireCoding.encode(try await broker.getQueueAttributes(request.decode(GetQueueAttributesInput.self)))
        case SQSOperation.sendMessage:
            return try await broker.sendMessage(
                request.decode(SendMessageInput.self), idempotencyKey: request.header.idem)
        case SQSOperation.receiveMessage:
            return WireCoding.encode(try await broker.receiveMessage(request.decode(ReceiveMessageInput.self)))
        case SQSOperation.deleteMessage:
            try await broker.deleteMessage(request.decode(DeleteMessageInput.self))
            return WireCoding.encode(EmptyOutput())
        case SQSOperation.changeMessageVisibility:
            try await broker.changeMessageVisibility(request.decode(ChangeMessageVisibilityInput.self))
            return WireCoding.encode(EmptyOutput())
        case SQSOperation.listMessages:
            return WireCoding.encode(try await broker.listMessages(request.decode(QueueUrlInput.self).QueueUrl))
        case SQSOperation.purgeQueue:
            try await broker.purgeQueue(request.decode(QueueUrlInput.self).QueueUrl)
            return WireCoding.encode(EmptyOutput())
        case SNSOperation.createTopic:
            return WireCoding.encode(try await broker.createTopic(request.decode(CreateTopicInput.self)))
        case SNSOperation.listTopics:
            return WireCoding.encode(try await broker.listTopics())
        case SNSOperation.subscribe:
            return WireCoding.encode(try await broker.subscribe(request.decode(SubscribeInput.self)))
        case SNSOperation.listSubscriptionsByTopic:
            return WireCoding.encode(
                try await broker.listSubscriptions(
                    topicArn: request.decode(ListSubscriptionsByTopicInput.self).TopicArn))
        case SNSOperation.getDeliveryBacklog:
            return WireCoding.encode(try await broker.deliveryBacklog())
        case SNSOperation.publish:
            return try await broker.publish(request.decode(PublishInput.self), idempotencyKey: request.header.idem)
        default:
            return nil
        }
    }
}

/// The `queue-broker` process.
public enum QueueBrokerService {
    public struct Options: Sendable {
        public var dataDirectory: String
        public var endpoint: String
        public var functions: [String: String]
        public var clock: any WallClock

        public init(
            dataDirectory: String, endpoint: String, functions: [String: String],
            clock: any WallClock = SystemWallClock()
        ) {
            self.dataDirectory = dataDirectory
            self.endpoint = endpoint
            self.functions = functions
            self.clock = clock
        }
    }

    public static func run(_ options: Options) async throws {
        let logger = Logger(label: "queue-broker")
        let context = Context()
        let broker = Broker(
            database: try Broker.openDatabase(path: options.dataDirectory + "/queue-broker.sqlite"),
            clock: options.clock,
            logger: logger)
        var clients: [String: WireClient] = [:]
        for (name, value) in options.functions {
            let (service, endpoint) = splitServiceEndpoint(value)
            clients[name] = try await WireClient.connect(context: context, endpoint: endpoint, service: service)
        }
        let functionClients = clients
        let api = QueueBrokerAPI(broker: broker)
        let server = try await WireServer.bind(context: context, endpoint: options.endpoint, logger: logger)
        logger.info("queue-broker serving on \(server.endpoint), data in \(options.dataDirectory)")
        try await ServiceHost.run(
            [
                LoopService("deliveries") { await broker.runDeliveries(functions: functionClients) },
                LoopService("housekeeping") { await broker.runHousekeeping() },
                ServiceHost.api("queue-broker", server: server, clock: options.clock as? AdjustableWallClock) {
                    request in
                    try await api.handle(request)
                },
            ], logger: logger)
    }
}
