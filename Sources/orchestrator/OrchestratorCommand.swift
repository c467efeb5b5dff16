import ArgumentParser
import Orchestrator
import ServiceSupport

@main
struct OrchestratorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestrator", abstract: "Step Functions: state machines, executions, task tokens, timers.")

    @Option(help: "Directory for orchestrator.sqlite.") var dataDir = ".callbacksim"
    @Option(help: "ZeroMQ endpoint to bind.") var endpoint = "tcp://127.0.0.1:7101"
    @Option(help: "The queue broker's endpoint (SQS and SNS).") var queueBroker: String?
    @Option(help: "A Lambda function and the endpoint serving it, NAME=ENDPOINT; repeatable.") var function: [String] =
        []
    @Option(help: "Seconds added to this process's clock.") var clockOffset = 0.0
    @Option(help: "How fast this process's clock runs (60: a minute per second).") var clockRate = 1.0
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func run() async throws {
        ServiceHost.bootstrapLogging(level: logLevel)
        try await OrchestratorService.run(
            .init(
                dataDirectory: dataDir, endpoint: endpoint, queueBroker: queueBroker,
                functions: try parseFunctionEndpoints(function),
                clock: SystemWallClock(offset: clockOffset, rate: clockRate)))
    }
}
