import ArgumentParser
import Orchestrator
import ServiceSupport

public struct OrchestratorCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "orchestrator", abstract: "Step Functions: state machines, executions, task tokens, timers.")

    @OptionGroup var process: ProcessOptions
    @OptionGroup var clock: ClockOptions
    @OptionGroup var functions: FunctionOptions
    @OptionGroup var account: AccountOptions
    @Option(help: "ZeroMQ endpoint to bind.") var endpoint = "tcp://127.0.0.1:7101"
    @Option(help: "The queue broker's endpoint (SQS and SNS).") var queueBroker: String?

    public func run() async throws {
        ServiceHost.bootstrapLogging(level: process.logLevel)
        var options = OrchestratorService.Options(
            dataDirectory: process.dataDir, endpoint: endpoint, queueBroker: queueBroker,
            functions: try functions.endpoints(), clock: clock.clock,
            configuration: .init(region: account.region, accountId: account.account))
        options.functionTimeouts = try functions.timeouts()
        try await OrchestratorService.run(options)
    }
}
