import ArgumentParser
import Gateway
import ServiceSupport
import Template
import Wire

public struct AWSGatewayCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "aws-gateway",
        abstract: "AWS's HTTP APIs (Step Functions, SQS, SNS, Lambda, CloudWatch Logs) for the SDKs and the AWS CLI.")

    @OptionGroup var process: ProcessOptions
    @OptionGroup var clock: ClockOptions
    @OptionGroup var functions: FunctionOptions
    @Option(help: "Address the HTTP port listens on.") var gatewayHost = "127.0.0.1"
    @Option(help: "The HTTP port (LocalStack's, which AWS SDK users already point at).") var gatewayPort = 4566
    @Option(help: "ZeroMQ endpoint to bind for control operations.") var endpoint = "tcp://127.0.0.1:7106"
    @Option(help: "A process serving Step Functions, SERVICE@ENDPOINT; repeatable, the first creates state machines.")
    var stepFunctions: [String] = []
    @Option(help: "The queue broker's endpoint (SQS and SNS).") var queueBroker: String?
    @Option(help: "The notification logger's endpoint (CloudWatch Logs).") var logs: String?
    @Option(help: "Accept only requests signed with this access key, KEY:SECRET; repeatable.") var credentials:
        [String] = []
    @Option(help: "The topology's region: unsigned requests are made in it.") var region = SAMTemplate.defaultRegion
    @Option(help: "The topology's account: access keys that are not account ids map to it.")
    var account = SAMTemplate.defaultAccountId
    @Option(help: "The SAM template whose functions GetFunction and ListFunctions report (default: the seed).")
    var template: String?
    @Option(help: "The experiment reports the console shows (default: none).") var reportsDir: String?

    public func validate() throws {
        for pair in credentials where !pair.contains(":") {
            throw ValidationError("--credentials takes KEY:SECRET, got '\(pair)'")
        }
    }

    public func run() async throws {
        ServiceHost.bootstrapLogging(level: process.logLevel)
        let samTemplate =
            try template.map { try SAMTemplate.load(path: $0, region: region, accountId: account) }
            ?? SAMTemplate.seed(region: region, accountId: account)
        var keys: [String: String]?
        if !credentials.isEmpty {
            keys = Dictionary(
                credentials.map { pair in
                    let separator = pair.firstIndex(of: ":")!
                    return (String(pair[..<separator]), String(pair[pair.index(after: separator)...]))
                }, uniquingKeysWith: { _, last in last })
        }
        try await GatewayService.run(
            .init(
                host: gatewayHost, port: gatewayPort, controlEndpoint: endpoint,
                upstreams: .init(
                    stepFunctions: stepFunctions, queueBroker: queueBroker, logs: logs,
                    functions: try functions.endpoints()),
                configuration: .init(
                    credentials: keys, defaultAccount: account, defaultRegion: region,
                    functions: samTemplate.functions, reportsDirectory: reportsDir),
                clock: clock.clock))
    }
}
