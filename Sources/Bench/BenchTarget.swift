import Foundation
import GatewayClient
import JSON
import Template
import Topology
import Wire
import ZeroMQ

/// Where the bench sends its calls: a local topology over the wire protocol, or any AWS-compatible endpoint over
/// HTTP (callbacksim's gateway, or another emulator), so one client measures both.
public struct BenchTarget: Sendable {
    public let stepFunctions: any OperationCaller
    public let sqs: any OperationCaller
    public let stateMachineArn: String
    public let requestQueueUrl: String
    /// The AWS-compatible endpoint's URL; nil for the wire protocol.
    public let endpoint: String?
    /// The local topology whose processes the report samples (CPU time, memory), when there is one.
    public let layout: TopologyLayout?
    let closeConnections: @Sendable () -> Void

    public func close() { closeConnections() }

    /// A local topology's orchestrator and queue broker, over the wire protocol.
    public static func wire(layout: TopologyLayout, context: Context) async throws -> BenchTarget {
        guard !layout.runs(.apiSimulator) else {
            throw SeedBenchmark.BenchError(
                description:
                    "the topology's api-simulator would answer the callbacks: start it with `callbacksim up --external api-simulator`"
            )
        }
        let orchestrator = try await WireClient.connect(context: context, endpoint: layout.endpoint(.orchestrator))
        let broker = try await WireClient.connect(context: context, endpoint: layout.endpoint(.queueBroker))
        do {
            let machine = try await TopologyClient(layout: layout, context: context).stateMachineArn(
                SeedBenchmark.stateMachine)
            let queueUrl = try await broker.call(
                SQS.getQueueUrl, GetQueueUrlInput(QueueName: SeedBenchmark.requestQueue)
            ).QueueUrl
            return BenchTarget(
                stepFunctions: orchestrator, sqs: broker, stateMachineArn: machine, requestQueueUrl: queueUrl,
                endpoint: nil, layout: layout,
                closeConnections: {
                    orchestrator.close()
                    broker.close()
                })
        } catch {
            orchestrator.close()
            broker.close()
            throw error
        }
    }

    /// An AWS-compatible endpoint. When it holds no seed state machine, the seed's queues, topics and state
    /// machine are created there first, with the account, region and queue URLs the endpoint itself answers.
    /// `layout`, when given, is the local topology behind it, for the processes' figures.
    public static func endpoint(
        _ url: String, layout: TopologyLayout?, log: @Sendable (String) -> Void = { _ in }
    ) async throws -> BenchTarget {
        let client = GatewayClient(endpoint: url)
        let machine: String
        if let existing = try await client.stateMachineArn(named: SeedBenchmark.stateMachine) {
            machine = existing
        } else {
            log("bench: \(url) has no \(SeedBenchmark.stateMachine); deploying the seed there")
            machine = try await Self.deploySeed(client)
        }
        let queueUrl = try await client.call(
            SQS.getQueueUrl, GetQueueUrlInput(QueueName: SeedBenchmark.requestQueue)
        ).QueueUrl
        return BenchTarget(
            stepFunctions: client, sqs: client, stateMachineArn: machine, requestQueueUrl: queueUrl, endpoint: url,
            layout: layout, closeConnections: {})
    }

    /// Read leniently (only names and ARNs), as other emulators leave out members AWS requires (moto: `type`).
    /// Topics first: their ARNs say the endpoint's account and region, which the queues' redrive policies name;
    /// then the queues, whose URLs say the address the state machine's definition names.
    static func deploySeed(_ caller: any OperationCaller) async throws -> String {
        let topicArns = try await Deployment(template: try SAMTemplate.seed()).createTopics(caller)
        guard let topicArn = topicArns.values.first else {
            throw SeedBenchmark.BenchError(description: "the seed template names no topic")
        }
        let arn = topicArn.split(separator: ":", omittingEmptySubsequences: false)
        guard arn.count >= 6 else { throw SeedBenchmark.BenchError(description: "not a topic ARN: \(topicArn)") }
        let region = String(arn[3])
        let account = String(arn[4])
        let queueUrls = try await Deployment(template: try SAMTemplate.seed(region: region, accountId: account))
            .createQueues(caller)
        let suffix = "/\(account)/\(SeedBenchmark.requestQueue)"
        guard let queueUrl = queueUrls[SeedBenchmark.requestQueue], queueUrl.hasSuffix(suffix) else {
            throw SeedBenchmark.BenchError(
                description: "no request queue URL of the form endpoint\(suffix): \(queueUrls)")
        }
        let template = try SAMTemplate.seed(
            region: region, accountId: account, endpoint: String(queueUrl.dropLast(suffix.count)))
        guard let machine = template.stateMachines.first(where: { $0.name == SeedBenchmark.stateMachine }) else {
            throw SeedBenchmark.BenchError(description: "the seed template has no \(SeedBenchmark.stateMachine)")
        }
        try await Deployment(template: template).createStateMachine(
            machine, caller, roleArn: "arn:aws:iam::\(account):role/callbacksim-bench")
        guard let arn = try await caller.stateMachineArn(named: machine.name) else {
            throw SeedBenchmark.BenchError(description: "\(machine.name) was created but is not listed")
        }
        return arn
    }
}
