import APISimulator
import ArgumentParser
import ServiceSupport

@main
struct APISimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-simulator", abstract: "The external async API: queue consumer and simulator state machine.")

    @Option(help: "Directory for api-simulator.sqlite.") var dataDir = ".callbacksim"
    @Option(help: "ZeroMQ endpoint to bind.") var endpoint = "tcp://127.0.0.1:7103"
    @Option(help: "The queue broker's endpoint.") var queueBroker = "tcp://127.0.0.1:7102"
    @Option(help: "A Lambda function and its endpoint, NAME=ENDPOINT; repeatable.") var function: [String] = []
    @Option(help: "The queue to consume.") var queueName = "workflow_requestorQueue"
    @Option(help: "The state machine each message starts.") var stateMachineName = "WorkflowExternalAsyncAPISimulator"
    @Option(help: "Messages per receive (the event source mapping's BatchSize).") var batchSize = 10
    @Option(help: "Seconds added to this process's clock.") var clockOffset = 0.0
    @Option(help: "How fast this process's clock runs.") var clockRate = 1.0
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func run() async throws {
        ServiceHost.bootstrapLogging(level: logLevel)
        try await APISimulatorService.run(
            .init(
                dataDirectory: dataDir, endpoint: endpoint, queueBroker: queueBroker,
                functions: try parseFunctionEndpoints(function), queueName: queueName,
                stateMachineName: stateMachineName, batchSize: batchSize,
                clock: SystemWallClock(offset: clockOffset, rate: clockRate)))
    }
}
