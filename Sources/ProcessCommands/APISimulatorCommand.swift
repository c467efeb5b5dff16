import APISimulator
import ArgumentParser
import ServiceSupport

public struct APISimulatorCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "api-simulator", abstract: "The external async API: queue consumer and simulator state machine.")

    @OptionGroup var process: ProcessOptions
    @OptionGroup var clock: ClockOptions
    @OptionGroup var functions: FunctionOptions
    @OptionGroup var account: AccountOptions
    @Option(help: "ZeroMQ endpoint to bind.") var endpoint = "tcp://127.0.0.1:7103"
    @Option(help: "The queue broker's endpoint.") var queueBroker = "tcp://127.0.0.1:7102"
    @Option(help: "The queue to consume.") var queueName = "workflow_requestorQueue"
    @Option(help: "The state machine each message starts.") var stateMachineName = "WorkflowExternalAsyncAPISimulator"
    @Option(help: "Messages per receive (the event source mapping's BatchSize).") var batchSize = 10

    public func run() async throws {
        ServiceHost.bootstrapLogging(level: process.logLevel)
        var options = APISimulatorService.Options(
            dataDirectory: process.dataDir, endpoint: endpoint, queueBroker: queueBroker,
            functions: try functions.endpoints(), queueName: queueName, stateMachineName: stateMachineName,
            batchSize: batchSize, clock: clock.clock,
            configuration: .init(region: account.region, accountId: account.account))
        options.functionTimeouts = try functions.timeouts()
        try await APISimulatorService.run(options)
    }
}
