import ArgumentParser
import QueueBroker
import ServiceSupport

@main
struct QueueBrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue-broker", abstract: "SQS queues and SNS topics with fan-out.")

    @Option(help: "Directory for queue-broker.sqlite.") var dataDir = ".callbacksim"
    @Option(help: "ZeroMQ endpoint to bind.") var endpoint = "tcp://127.0.0.1:7102"
    @Option(help: "A Lambda function subscribed to a topic and its endpoint, NAME=ENDPOINT; repeatable.") var function:
        [String] = []
    @Option(help: "Seconds added to this process's clock.") var clockOffset = 0.0
    @Option(help: "How fast this process's clock runs.") var clockRate = 1.0
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func run() async throws {
        ServiceHost.bootstrapLogging(level: logLevel)
        try await QueueBrokerService.run(
            .init(
                dataDirectory: dataDir, endpoint: endpoint, functions: try parseFunctionEndpoints(function),
                clock: SystemWallClock(offset: clockOffset, rate: clockRate)))
    }
}
