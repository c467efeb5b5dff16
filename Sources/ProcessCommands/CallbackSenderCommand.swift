import ArgumentParser
import CallbackSender
import ServiceSupport

public struct CallbackSenderCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "callback-sender", abstract: "The callback Lambda: SendTaskSuccess or SendTaskFailure per job.")

    @OptionGroup var process: ProcessOptions
    @OptionGroup var clock: ClockOptions
    @OptionGroup var function: FunctionTimeoutOptions
    @Option(help: "ZeroMQ endpoint to bind.") var endpoint = "tcp://127.0.0.1:7104"
    @Option(help: "The orchestrator's endpoint.") var orchestrator = "tcp://127.0.0.1:7101"
    @Flag(help: "Send the token JSON-quoted, as the upstream Lambda does (the orchestrator answers InvalidToken).")
    var quoteToken = false

    public func run() async throws {
        ServiceHost.bootstrapLogging(level: process.logLevel)
        try await CallbackSenderService.run(
            .init(
                dataDirectory: process.dataDir, endpoint: endpoint, orchestrator: orchestrator, quoteToken: quoteToken,
                clock: clock.clock, timeout: function.timeout))
    }
}
