import ArgumentParser
import QueueBroker
import ServiceSupport

public struct QueueBrokerCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "queue-broker", abstract: "SQS queues and SNS topics with fan-out.")

    @OptionGroup var process: ProcessOptions
    @OptionGroup var clock: ClockOptions
    @OptionGroup var functions: FunctionOptions
    @OptionGroup var account: AccountOptions
    @Option(help: "Where the AWS gateway is reached: queue URLs point there.") var gatewayUrl = "http://localhost:4566"
    @Option(help: "ZeroMQ endpoint to bind.") var endpoint = "tcp://127.0.0.1:7102"

    public func run() async throws {
        ServiceHost.bootstrapLogging(level: process.logLevel)
        try await QueueBrokerService.run(
            .init(
                dataDirectory: process.dataDir, endpoint: endpoint, functions: try functions.endpoints(),
                clock: clock.clock, region: account.region, accountId: account.account, gatewayUrl: gatewayUrl))
    }
}
