import Foundation
import JSON
import Logging
import Orchestrator
import ServiceSupport
import Wire
import ZeroMQ

/// The external asynchronous API: upstream's queue-consumer Lambda plus the `WorkflowExternalAsyncAPISimulator`
/// state machine it starts.
///
/// The state machine runs here, on an embedded copy of the orchestrator's engine with its own database, so its
/// Wait is a durable timer (a restart neither resets nor loses it) and its `lambda:invoke` of the callback
/// function keeps the definition's Retry policy. The consumer keeps upstream's batch semantics on purpose: it
/// starts one execution per record in order and deletes the batch only if every start worked; otherwise nothing
/// is deleted and, with the queue's `maxReceiveCount` of 1, the whole batch ends in the dead-letter queue.
public final class QueueConsumer: Sendable {
    let broker: any OperationCaller
    let engine: WorkflowEngine
    let queueName: String
    let stateMachineName: String
    let batchSize: Int
    let logger: Logger

    public init(
        broker: any OperationCaller, engine: WorkflowEngine, queueName: String, stateMachineName: String,
        batchSize: Int,
        logger: Logger
    ) {
        self.broker = broker
        self.engine = engine
        self.queueName = queueName
        self.stateMachineName = stateMachineName
        self.batchSize = batchSize
        self.logger = logger
    }

    public func run() async {
        var queueUrl: String?
        var stateMachineArn: String?
        while !Task.isCancelled {
            do {
                if queueUrl == nil {
                    // Short, as every call of this loop: a call to a broker that cannot be reached stalls the
                    // whole consumer until it times out (found by the simulator: a consumer restarted while the
                    // broker was isolated sat 30 s on this call, and at a fast clock its jobs timed out).
                    let output = try await broker.call(
                        SQS.getQueueUrl, GetQueueUrlInput(QueueName: queueName), timeout: .seconds(2))
                    queueUrl = output.QueueUrl
                }
                if stateMachineArn == nil {
                    stateMachineArn = try await engine.listStateMachines().stateMachines.first {
                        $0.name == stateMachineName
                    }?.stateMachineArn
                    if stateMachineArn == nil {
                        try await engine.clock.sleep(for: .milliseconds(200))
                        continue
                    }
                }
                guard let queueUrl, let stateMachineArn else { continue }
                // Short long polls: a poll in flight to a broker that dies is only given up at its timeout
                // (ZeroMQ reports no broken connection to the request), so that timeout bounds the stall.
                let received = try await broker.call(
                    SQS.receiveMessage,
                    ReceiveMessageInput(
                        QueueUrl: queueUrl, MaxNumberOfMessages: batchSize, WaitTimeSeconds: 5,
                        MessageSystemAttributeNames: ["All"]),
                    timeout: .seconds(7))
                guard !received.received.isEmpty else { continue }
                try await process(received.received, queueUrl: queueUrl, stateMachineArn: stateMachineArn)
            } catch is CancellationError {
                return
            } catch let error as AWSError where error.type == "QueueDoesNotExist" {
                try? await engine.clock.sleep(for: .milliseconds(200))
            } catch {
                logger.warning("consumer: \(error)")
                try? await engine.clock.sleep(for: .milliseconds(200))
            }
        }
    }

    /// The consumer function invoked directly (Lambda Invoke) with an SQS event: one simulator execution per
    /// record, as the event source mapping would start; deleting is the mapping's business, not the function's.
    public func invoke(_ input: InvokeInput) async throws -> InvokeOutput {
        guard let records = input.Payload?["Records"]?.arrayValue else {
            return InvokeOutput(
                Payload: ["errorType": "TypeError", "errorMessage": "The event has no Records"],
                FunctionError: "Unhandled")
        }
        guard
            let machine = try await engine.listStateMachines().stateMachines.first(where: {
                $0.name == stateMachineName
            })
        else {
            return InvokeOutput(
                Payload: ["errorType": "StateMachineDoesNotExist", "errorMessage": .string(stateMachineName)],
                FunctionError: "Unhandled")
        }
        for record in records {
            let body = record["body"]?.stringValue ?? record["body"]?.serialized() ?? "{}"
            do {
                _ = try await engine.startExecution(
                    StartExecutionInput(
                        stateMachineArn: machine.stateMachineArn, name: record["messageId"]?.stringValue, input: body))
            } catch let error as AWSError {
                return InvokeOutput(
                    Payload: ["errorType": .string(error.type), "errorMessage": .string(error.message)],
                    FunctionError: "Unhandled")
            }
        }
        return InvokeOutput(Payload: .null)
    }

    /// One invocation of the consumer function with a batch of records.
    func process(_ messages: [SQSMessage], queueUrl: String, stateMachineArn: String) async throws {
        for message in messages {
            do {
                // Naming the execution after the message makes a redelivered message start nothing new.
                let started = try await engine.startExecution(
                    StartExecutionInput(stateMachineArn: stateMachineArn, name: message.MessageId, input: message.Body))
                logger.info("started \(started.executionArn)")
            } catch {
                logger.error(
                    "StartExecution for message \(message.MessageId) failed: \(error); the batch of \(messages.count) is not deleted"
                )
                return
            }
        }
        // The event source mapping, not the function, deletes the batch, and it retries a delete that got no
        // answer; one lost delete must not leave the rest of the batch to be redriven.
        for message in messages {
            var deleted = false
            for attempt in 0..<5 where !deleted {
                do {
                    _ = try await broker.call(
                        SQS.deleteMessage,
                        DeleteMessageInput(QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle),
                        timeout: .seconds(2))
                    deleted = true
                } catch let error as AWSError {
                    logger.warning("DeleteMessage \(message.MessageId): \(error)")
                    break
                } catch {
                    try await engine.clock.sleep(for: .milliseconds(100 << attempt))
                }
            }
        }
    }
}

/// The `api-simulator` process.
public enum APISimulatorService: ServiceDefinition {
    public static let processName = "api-simulator"

    public struct Options: ServiceOptions {
        public var dataDirectory: String
        public var endpoint: String
        public var queueBroker: String
        public var functions: [String: String]
        /// Lambda function name → its Timeout in seconds (the template's).
        public var functionTimeouts: [String: Double] = [:]
        public var queueName: String
        public var stateMachineName: String
        public var batchSize: Int
        public var clock: any WallClock
        public var configuration: EngineConfiguration

        public init(
            dataDirectory: String, endpoint: String, queueBroker: String, functions: [String: String],
            queueName: String,
            stateMachineName: String, batchSize: Int = 10, clock: any WallClock = AdjustableWallClock(),
            configuration: EngineConfiguration = EngineConfiguration()
        ) {
            self.configuration = configuration
            self.dataDirectory = dataDirectory
            self.endpoint = endpoint
            self.queueBroker = queueBroker
            self.functions = functions
            self.queueName = queueName
            self.stateMachineName = stateMachineName
            self.batchSize = batchSize
            self.clock = clock
        }
    }

    /// The embedded engine, the queue consumer and their loops, in `environment`.
    public static func parts(_ options: Options, in environment: ProcessEnvironment) async throws -> ServiceParts {
        // The same integrations as the orchestrator's, so a state machine hosted here may use SQS and SNS too.
        let integrations = try await ServiceIntegrations.connect(
            queueBroker: options.queueBroker, functions: options.functions, functionTimeouts: options.functionTimeouts,
            in: environment, clock: options.clock)
        let engine = WorkflowEngine(
            storage: try environment.database("api-simulator.sqlite", WorkflowEngine.schemaMigrator),
            clock: options.clock, dispatcher: integrations, configuration: options.configuration,
            logger: environment.logger, random: environment.random)
        let consumer = QueueConsumer(
            broker: try await environment.connect("queue-broker", options.queueBroker), engine: engine,
            queueName: options.queueName, stateMachineName: options.stateMachineName, batchSize: options.batchSize,
            logger: environment.logger)
        var router = engine.router
        router.on(Lambda.invoke) { input, _ in try await consumer.invoke(input) }
        return ServiceParts(
            router: router,
            loops: engine.loops + [
                LoopService("consumer") { await consumer.run() },
                LoopService("integrations") { await integrations.learnBrokerOperations() },
            ])
    }
}
