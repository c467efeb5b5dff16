import ArgumentParser
import NotificationLogger
import ServiceSupport

@main
struct NotificationLoggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notification-logger", abstract: "The SNS-subscribed logging Lambda and its log.")

    @OptionGroup var process: ProcessOptions
    @OptionGroup var account: AccountOptions
    @Option(help: "ZeroMQ endpoint to bind.") var endpoint = "tcp://127.0.0.1:7105"

    func run() async throws {
        ServiceHost.bootstrapLogging(level: process.logLevel)
        try await NotificationLoggerService.run(
            .init(
                dataDirectory: process.dataDir, endpoint: endpoint, region: account.region,
                accountId: account.account))
    }
}
