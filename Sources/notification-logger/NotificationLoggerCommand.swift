import ArgumentParser
import NotificationLogger
import ServiceSupport

@main
struct NotificationLoggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notification-logger", abstract: "The SNS-subscribed logging Lambda and its log.")

    @Option(help: "Directory for notification-logger.sqlite and notifications.log.") var dataDir = ".callbacksim"
    @Option(help: "ZeroMQ endpoint to bind.") var endpoint = "tcp://127.0.0.1:7105"
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func run() async throws {
        ServiceHost.bootstrapLogging(level: logLevel)
        try await NotificationLoggerService.run(.init(dataDirectory: dataDir, endpoint: endpoint))
    }
}
