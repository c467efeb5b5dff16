import Foundation
import Template
import Wire
import ZeroMQ

/// Creates a template's queues, topics, subscriptions and state machines on a running topology, like
/// `sam deploy`. Every call is idempotent, so deploying again (after a restart) changes nothing.
public struct Deployment: Sendable {
    public let template: SAMTemplate

    public init(template: SAMTemplate) {
        self.template = template
    }

    /// The state machine a queue consumer starts runs on the api-simulator (when the topology runs it); every
    /// other runs on the orchestrator.
    public func host(ofStateMachine name: String, in layout: TopologyLayout) -> ServiceName {
        host(ofStateMachine: name, runsAPISimulator: layout.runs(.apiSimulator))
    }

    func host(ofStateMachine name: String, runsAPISimulator: Bool) -> ServiceName {
        let consumerTargets = template.functions.filter { !$0.sqsSources.isEmpty }.compactMap {
            $0.environment["STATE_MACHINE_ARN"]
        }
        let isConsumers = consumerTargets.contains { $0.hasSuffix(":stateMachine:\(name)") }
        return isConsumers && runsAPISimulator ? .apiSimulator : .orchestrator
    }

    public func apply(to layout: TopologyLayout, context: Context) async throws {
        try await apply(through: TopologyClient(layout: layout, context: context), running: layout.runs)
    }

    /// Deploys through `caller`, to a topology that runs the processes `running` says.
    public func apply(through caller: any ServiceCaller, running: (ServiceName) -> Bool) async throws {
        let broker = caller.bound(to: .queueBroker)
        _ = try await createQueues(broker)
        let topicArns = try await createTopics(broker)
        // A function left to the user's own code gets no subscription: nothing here would answer its deliveries.
        for function in template.functions where running(Launcher.host(ofFunction: function)) {
            for topic in function.snsTopics {
                guard let arn = topicArns[topic] else { continue }
                let endpoint = "arn:aws:lambda:\(template.region):\(template.accountId):function:\(function.name)"
                let _: SubscribeOutput = try await broker.call(
                    SNS.subscribe, SubscribeInput(TopicArn: arn, Protocol: "lambda", Endpoint: endpoint))
            }
        }
        for machine in template.stateMachines {
            let host = host(ofStateMachine: machine.name, runsAPISimulator: running(.apiSimulator))
            try await createStateMachine(machine, caller.bound(to: host))
        }
    }

    /// Creates the queues, dead-letter queues first (a redrive policy must name a queue that exists); returns
    /// each queue's URL by name, as the endpoint answered it.
    public func createQueues(_ caller: any OperationCaller) async throws -> [String: String] {
        let ordered = template.queues.sorted { a, b in
            let aIsTarget = template.queues.contains { $0.deadLetterQueueName == a.name }
            let bIsTarget = template.queues.contains { $0.deadLetterQueueName == b.name }
            return aIsTarget && !bIsTarget
        }
        var queueUrls: [String: String] = [:]
        for queue in ordered {
            queueUrls[queue.name] =
                try await caller.call(
                    SQS.createQueue,
                    CreateQueueInput(
                        QueueName: queue.name, Attributes: queue.attributes.isEmpty ? nil : queue.attributes)
                ).QueueUrl
        }
        return queueUrls
    }

    /// Creates the topics; returns each topic's ARN by logical id, as the endpoint answered it.
    public func createTopics(_ caller: any OperationCaller) async throws -> [String: String] {
        var topicArns: [String: String] = [:]
        for topic in template.topics {
            topicArns[topic.logicalId] = try await caller.call(SNS.createTopic, CreateTopicInput(Name: topic.name))
                .TopicArn
        }
        return topicArns
    }

    public func createStateMachine(
        _ machine: SAMTemplate.StateMachine, _ caller: any OperationCaller, roleArn: String? = nil
    ) async throws {
        let _: CreateStateMachineOutput = try await caller.call(
            StepFunctions.createStateMachine,
            CreateStateMachineInput(
                name: machine.name, definition: machine.definition, roleArn: roleArn, type: machine.type))
    }
}
