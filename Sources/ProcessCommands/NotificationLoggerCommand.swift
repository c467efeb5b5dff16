import ArgumentParser
import NotificationLogger
import ServiceSupport

public struct NotificationLoggerCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "notification-logger", abstract: "The SNS-subscribed logging Lambda and its log.")

    @OptionGroup var process: ProcessOptions
    @OptionGroup var clock: ClockOptions
    @OptionGroup var function: FunctionTimeoutOptions
    @OptionGroup var account: AccountOptions
    @Option(help: "ZeroMQ endpoint to bind.") var endpoint = "tcp://127.0.0.1:7105"

    public func run() async throws {
        ServiceHost.bootstrapLogging(level: process.logLevel)
        try await NotificationLoggerService.run(
            .init(
                dataDirectory: process.dataDir, endpoint: endpoint, region: account.region,
                accountId: account.account, clock: clock.clock,
                timeout: function.timeout))
    }
}
