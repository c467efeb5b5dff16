import ArgumentParser
import Foundation
import GatewayClient
import JSON
import ProcessCommands
import Report
import ServiceSupport
import Template
import Topology
import Wire
import ZeroMQ

@main
struct CallbackSim: AsyncParsableCommand {
    /// Runs a process when invoked by its name (a link named `orchestrator`) or given it first
    /// (`callbacksim orchestrator …`), else the CLI. Options may also come from `CALLBACKSIM_…` variables.
    static func main() async {
        let arguments = CommandLine.arguments
        let invokedAs = String(arguments.first?.split(separator: "/").last ?? "")
        if let process = ProcessCommands.command(named: invokedAs) {
            await process.mainReadingEnvironment(commandLine: Array(arguments.dropFirst()))
        } else if arguments.count > 1, let process = ProcessCommands.command(named: arguments[1]) {
            await process.mainReadingEnvironment(commandLine: Array(arguments.dropFirst(2)))
        } else {
            await mainReadingEnvironment()
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "callbacksim",
        abstract: "Run, break and test the asynchronous-API-with-callbacks workflow pattern on one host.",
        discussion: """
            The same binary runs each of the six processes: `callbacksim orchestrator --help` (or through a link \
            named orchestrator, queue-broker, api-simulator, callback-sender, notification-logger or aws-gateway).
            Every option can also be given as an environment variable: --data-dir is CALLBACKSIM_DATA_DIR.
            """,
        subcommands: [
            Up.self, Down.self, Status.self, Outputs.self, Deploy.self, Demo.self, Probe.self, StartExecution.self,
            DescribeExecution.self,
            GetExecutionHistory.self, ListExecutions.self, StopExecution.self, SendTaskSuccess.self,
            SendTaskFailure.self, SendTaskHeartbeat.self, Logs.self, ExperimentCommand.self, ASLCommand.self,
            BenchCommand.self, Simulate.self,
        ])
}

/// Options every command that talks to a running topology takes.
struct TopologyOptions: ParsableArguments {
    @Option(help: "Where `up` keeps the topology's state and data.") var dataDir = ".callbacksim"
}

/// Runs one AWS call and prints its reply, or the AWS CLI's error text and exit code 254.
func perform<I, O>(_ operation: APIOperation<I, O>, _ body: () async throws -> [UInt8]) async throws {
    do {
        Output.printJSON(try await body(), convertingDates: operation.api != .logs)
    } catch {
        Output.printError(error, operation: operation.name)
        throw ExitCode(254)
    }
}

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the six processes (only those not running) and deploy the template.")

    @OptionGroup var topology: TopologyOptions
    @Option(help: "TCP ports base+1 … base+5 on 127.0.0.1.") var basePort = 7100
    @Flag(help: "Use Unix-domain sockets in the data directory instead of TCP ports.") var ipc = false
    @Option(help: "A SAM template to deploy instead of the shipped seed pattern.") var template: String?
    @Option(help: "Clock rate for every process (60: a minute of workflow time per second).") var clockRate = 1.0
    @Flag(help: "Make the callback sender quote the token as upstream's Lambda does.") var quoteToken = false
    @Option(help: "Where the six executables are (default: beside this one).") var binDir: String?
    @Option(help: "The AWS gateway's HTTP port.") var gatewayPort = 4566
    @Option(help: "The address the AWS gateway listens on (0.0.0.0: every interface).") var gatewayHost = "127.0.0.1"
    @Option(help: "Make the gateway accept only requests signed with this key, KEY:SECRET; repeatable.")
    var credentials: [String] = []
    @Option(
        help: "Leave a service to your own code: api-simulator, callback-sender or notification-logger; repeatable.")
    var external: [String] = []
    @Option(help: "The experiment reports the console shows (`experiment run` writes them under ./reports).")
    var reports = "reports"
    @Flag(help: "Run release binaries (.build/release), built with `swift build -c release` when missing.")
    var release = false

    func validate() throws {
        let allowed = ["api-simulator", "callback-sender", "notification-logger"]
        for name in external where !allowed.contains(name) {
            throw ValidationError("--external takes \(allowed.joined(separator: ", ")), got '\(name)'")
        }
    }

    func run() async throws {
        let endpoint = "http://\(gatewayHost == "0.0.0.0" ? "localhost" : gatewayHost):\(gatewayPort)"
        let samTemplate =
            try template.map { try SAMTemplate.load(path: $0, endpoint: endpoint) }
            ?? SAMTemplate.seed(endpoint: endpoint)
        var layout =
            ipc
            ? TopologyLayout.ipc(dataDirectory: topology.dataDir)
            : TopologyLayout.tcp(dataDirectory: topology.dataDir, basePort: basePort)
        layout.gatewayHost = gatewayHost
        layout.gatewayPort = gatewayPort
        layout.setClockRate(clockRate)
        if quoteToken { layout.extraArguments[ServiceName.callbackSender.rawValue, default: []] += ["--quote-token"] }
        layout.external = external.isEmpty ? nil : external
        for pair in credentials {
            layout.extraArguments[ServiceName.awsGateway.rawValue, default: []] += ["--credentials", pair]
        }
        layout.extraArguments[ServiceName.awsGateway.rawValue, default: []] += [
            "--reports-dir", URL(fileURLWithPath: reports).standardizedFileURL.path,
        ]
        let context = Context()
        do {
            let launcher = Launcher(
                binDirectory: binDir ?? Launcher.binDirectory(release: release), template: samTemplate)
            try launcher.buildMissingExecutables(release: release)
            let state = try await launcher.up(layout, context: context)
            var processes = JSONObject()
            for service in ServiceName.allCases {
                processes[service.rawValue] =
                    layout.runs(service)
                    ? [
                        "pid": .int(Int(state.pids[service.rawValue] ?? 0)),
                        "endpoint": .string(layout.endpoint(service)),
                    ] : ["external": true]
            }
            Output.printJSON([
                "endpoint": .string(layout.gatewayURL), "console": .string(layout.gatewayURL + "/console/"),
                "dataDirectory": .string(topology.dataDir),
                "processes": .object(processes), "outputs": Outputs.json(state.outputs ?? []),
            ])
        } catch {
            Output.printError(error, operation: "up")
            throw ExitCode(1)
        }
    }
}

struct Down: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop every process (SIGTERM, then SIGKILL).")
    @OptionGroup var topology: TopologyOptions
    @Option(help: "Seconds to wait after SIGTERM before SIGKILL.") var grace = 5.0
    @Flag(help: "Remove the data directory too, as deleting a stack removes its resources.") var purge = false

    func run() async throws {
        let outcome = await Launcher.down(dataDirectory: topology.dataDir, grace: .seconds(grace))
        var report = JSONObject(outcome.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
        if purge {
            do {
                if FileManager.default.fileExists(atPath: topology.dataDir) {
                    try FileManager.default.removeItem(atPath: topology.dataDir)
                }
                report["purged"] = .string(topology.dataDir)
            } catch {
                Output.printError(error, operation: "down")
                throw ExitCode(1)
            }
        }
        Output.printJSON(.object(report))
    }
}

struct Outputs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The deployed template's Outputs, resolved, and the AWS endpoint (as `sam deploy` lists them).")
    @OptionGroup var topology: TopologyOptions

    static func json(_ outputs: [TopologyState.Output]) -> JSONValue {
        .array(
            outputs.map { output in
                var object = JSONObject([("OutputKey", .string(output.key)), ("OutputValue", .string(output.value))])
                if let description = output.description { object["Description"] = .string(description) }
                return .object(object)
            })
    }

    func run() async throws {
        guard let state = TopologyState.load(dataDirectory: topology.dataDir) else {
            Output.printError(Launcher.LaunchError(message: "no topology in \(topology.dataDir)"), operation: "outputs")
            throw ExitCode(1)
        }
        Output.printJSON(["endpoint": .string(state.layout.gatewayURL), "outputs": Self.json(state.outputs ?? [])])
    }
}

struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deploy a SAM template to processes already running elsewhere, as `sam deploy` does.",
        discussion: """
            Creates the template's queues, topics, subscriptions and state machines, waiting first until the \
            processes answer; deploying again changes nothing. This is what the compose file's `deploy` service and \
            the Kubernetes Job run; `up` does it by itself.
            """)
    @Option(help: "A SAM template to deploy instead of the shipped seed pattern.") var template: String?
    @Option(help: "The orchestrator's wire endpoint.") var orchestrator = "tcp://127.0.0.1:7101"
    @Option(help: "The queue broker's wire endpoint.") var queueBroker = "tcp://127.0.0.1:7102"
    @Option(help: "The api-simulator's wire endpoint (it runs the queue consumer's state machine); none: not run.")
    var apiSimulator = "tcp://127.0.0.1:7103"
    @Option(help: "The AWS endpoint the template's Outputs name.") var gatewayUrl = "http://localhost:4566"
    @Option(help: "The region to deploy in.") var region = SAMTemplate.defaultRegion
    @Option(help: "The account to deploy in.") var account = SAMTemplate.defaultAccountId
    @Option(help: "Seconds to wait for the processes to answer.") var wait = 120.0

    func run() async throws {
        do {
            let samTemplate =
                try template.map {
                    try SAMTemplate.load(path: $0, region: region, accountId: account, endpoint: gatewayUrl)
                }
                ?? SAMTemplate.seed(region: region, accountId: account, endpoint: gatewayUrl)
            var layout = TopologyLayout.tcp(dataDirectory: "", basePort: 7100)
            layout.endpoints[ServiceName.orchestrator.rawValue] = orchestrator
            layout.endpoints[ServiceName.queueBroker.rawValue] = queueBroker
            if apiSimulator == "none" {
                layout.external = [ServiceName.apiSimulator.rawValue]
            } else {
                layout.endpoints[ServiceName.apiSimulator.rawValue] = apiSimulator
            }
            let context = Context()
            for service in [ServiceName.orchestrator, .queueBroker, .apiSimulator] where layout.runs(service) {
                guard
                    await Launcher.waitUntilAnswering(
                        layout.endpoint(service), context: context, timeout: .milliseconds(Int(wait * 1000)))
                else {
                    throw Launcher.LaunchError(
                        message: "\(service.rawValue) at \(layout.endpoint(service)) did not answer")
                }
            }
            try await Deployment(template: samTemplate).apply(to: layout, context: context)
            Output.printJSON([
                "endpoint": .string(gatewayUrl),
                "outputs": Outputs.json(
                    samTemplate.outputs.map {
                        TopologyState.Output(key: $0.key, value: $0.value, description: $0.description)
                    }),
            ])
        } catch {
            Output.printError(error, operation: "deploy")
            throw ExitCode(1)
        }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print each process's pid, endpoint and health as JSON.")
    @OptionGroup var topology: TopologyOptions

    func run() async throws {
        guard let statuses = await Launcher.status(dataDirectory: topology.dataDir, context: Context()) else {
            Output.printError(Launcher.LaunchError(message: "no topology in \(topology.dataDir)"), operation: "status")
            throw ExitCode(1)
        }
        Output.printJSON(statuses)
    }
}

struct StartExecution: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start-execution", abstract: "StartExecution.")
    @OptionGroup var topology: TopologyOptions
    @Option(help: "The state machine's name or ARN.") var stateMachine: String
    @Option(help: "The execution input (JSON text).") var input = "{}"
    @Option(help: "The execution name (default: a UUID).") var name: String?

    func run() async throws {
        try await perform(StepFunctions.startExecution) {
            let client = try TopologyClient.connect(dataDirectory: topology.dataDir, context: Context())
            let arn = try await client.stateMachineArn(stateMachine)
            return try await client.stepFunctions(
                StepFunctions.startExecution,
                body: WireCoding.encode(StartExecutionInput(stateMachineArn: arn, name: name, input: input)))
        }
    }
}

struct DescribeExecution: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "describe-execution", abstract: "DescribeExecution.")
    @OptionGroup var topology: TopologyOptions
    @Option var executionArn: String

    func run() async throws {
        try await perform(StepFunctions.describeExecution) {
            try await TopologyClient.connect(dataDirectory: topology.dataDir, context: Context()).stepFunctions(
                StepFunctions.describeExecution,
                body: WireCoding.encode(ExecutionArnInput(executionArn: executionArn)))
        }
    }
}

struct GetExecutionHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get-execution-history", abstract: "GetExecutionHistory.")
    @OptionGroup var topology: TopologyOptions
    @Option var executionArn: String
    @Flag var reverseOrder = false

    func run() async throws {
        // Every page, merged, as the AWS CLI prints a paginated list.
        try await perform(StepFunctions.getExecutionHistory) {
            let client = try TopologyClient.connect(dataDirectory: topology.dataDir, context: Context())
            var events: [JSONValue] = []
            var token: String?
            repeat {
                let page = try WireCoding.decodeJSON(
                    try await client.stepFunctions(
                        StepFunctions.getExecutionHistory,
                        body: WireCoding.encode(
                            GetExecutionHistoryInput(
                                executionArn: executionArn, reverseOrder: reverseOrder, maxResults: 1000,
                                nextToken: token))))
                events += page["events"]?.arrayValue ?? []
                token = page["nextToken"]?.stringValue
            } while token != nil
            return JSONValue.object(JSONObject([("events", .array(events))])).utf8Bytes
        }
    }
}

struct ListExecutions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list-executions", abstract: "ListExecutions.")
    @OptionGroup var topology: TopologyOptions
    @Option(help: "The state machine's name or ARN.") var stateMachine: String?
    @Option(help: "RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED.") var statusFilter: String?
    @Option var maxResults: Int?

    func run() async throws {
        try await perform(StepFunctions.listExecutions) {
            let client = try TopologyClient.connect(dataDirectory: topology.dataDir, context: Context())
            var arn: String?
            if let stateMachine { arn = try await client.stateMachineArn(stateMachine) }
            return try await client.stepFunctions(
                StepFunctions.listExecutions,
                body: WireCoding.encode(
                    ListExecutionsInput(stateMachineArn: arn, statusFilter: statusFilter, maxResults: maxResults)))
        }
    }
}

struct StopExecution: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop-execution", abstract: "StopExecution.")
    @OptionGroup var topology: TopologyOptions
    @Option var executionArn: String
    @Option var error: String?
    @Option var cause: String?

    func run() async throws {
        try await perform(StepFunctions.stopExecution) {
            try await TopologyClient.connect(dataDirectory: topology.dataDir, context: Context()).stepFunctions(
                StepFunctions.stopExecution,
                body: WireCoding.encode(StopExecutionInput(executionArn: executionArn, error: error, cause: cause)))
        }
    }
}

struct SendTaskSuccess: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "send-task-success", abstract: "SendTaskSuccess.")
    @OptionGroup var topology: TopologyOptions
    @Option var taskToken: String
    @Option(help: "The task's output (JSON text).") var taskOutput: String

    func run() async throws {
        try await perform(StepFunctions.sendTaskSuccess) {
            try await TopologyClient.connect(dataDirectory: topology.dataDir, context: Context()).stepFunctions(
                StepFunctions.sendTaskSuccess,
                body: WireCoding.encode(SendTaskSuccessInput(taskToken: taskToken, output: taskOutput)))
        }
    }
}

struct SendTaskFailure: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "send-task-failure", abstract: "SendTaskFailure.")
    @OptionGroup var topology: TopologyOptions
    @Option var taskToken: String
    @Option var error: String?
    @Option var cause: String?

    func run() async throws {
        try await perform(StepFunctions.sendTaskFailure) {
            try await TopologyClient.connect(dataDirectory: topology.dataDir, context: Context()).stepFunctions(
                StepFunctions.sendTaskFailure,
                body: WireCoding.encode(SendTaskFailureInput(taskToken: taskToken, error: error, cause: cause)))
        }
    }
}

struct SendTaskHeartbeat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "send-task-heartbeat", abstract: "SendTaskHeartbeat.")
    @OptionGroup var topology: TopologyOptions
    @Option var taskToken: String

    func run() async throws {
        try await perform(StepFunctions.sendTaskHeartbeat) {
            try await TopologyClient.connect(dataDirectory: topology.dataDir, context: Context()).stepFunctions(
                StepFunctions.sendTaskHeartbeat,
                body: WireCoding.encode(SendTaskHeartbeatInput(taskToken: taskToken)))
        }
    }
}

struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The notification log, as CloudWatch Logs' FilterLogEvents answers (times in epoch milliseconds).")
    @OptionGroup var topology: TopologyOptions
    @Option(help: "CloudWatch Logs filter pattern: terms, \"a phrase\", or { $.statusCode = 200 }.")
    var filterPattern: String?
    @Option(help: "Only events at or after this time, epoch milliseconds.") var startTime: Int?
    @Option(help: "Only events at or before this time, epoch milliseconds.") var endTime: Int?
    @Option(help: "At most this many events (1–10000).") var limit: Int?
    @Option(help: "The nextToken of the previous page.") var nextToken: String?

    func run() async throws {
        try await perform(CloudWatchLogs.filterLogEvents) {
            var input = FilterLogEventsInput(
                logGroupName: "/aws/lambda/WorkflowResponseLogger", filterPattern: filterPattern, startTime: startTime,
                endTime: endTime, nextToken: nextToken, limit: limit)
            input.interleaved = nil
            return try await TopologyClient.connect(dataDirectory: topology.dataDir, context: Context()).call(
                .notificationLogger, CloudWatchLogs.filterLogEvents, body: WireCoding.encode(input))
        }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Run the seed scenario end to end and check both outcomes: on a fresh topology, or through the AWS gateway of a running one."
    )
    @Option(help: "Data directory for the demo's topology (default: a new temporary one).") var dataDir: String?
    @Option(help: "Where the six executables are (default: beside this one).") var binDir: String?
    @Option(help: "Run against the topology behind this AWS gateway (http://localhost:4566) instead of starting one.")
    var gateway: String?

    func run() async throws {
        if let gateway {
            print("Running the seed scenario through \(gateway) …")
            var passed = false
            do {
                passed = Self.report(try await Topology.Demo(caller: GatewayClient(endpoint: gateway)).run())
            } catch {
                Output.printError(error, operation: "demo")
            }
            print("")
            print(passed ? "demo: both outcomes are right" : "demo: FAILED")
            if !passed { throw ExitCode(1) }
            return
        }
        let directory = dataDir ?? (NSTemporaryDirectory() + "callbacksim-demo-\(getpid())")
        try? FileManager.default.removeItem(atPath: directory)
        let layout = TopologyLayout.ipc(dataDirectory: directory)
        let context = Context()
        print("Starting the topology in \(directory) …")
        var passed = false
        do {
            _ = try await Launcher(binDirectory: binDir, template: SAMTemplate.seed()).up(layout, context: context)
            let services = try await TopologyClient(layout: layout, context: context).directory()
            defer { services.close() }
            passed = Self.report(try await Topology.Demo(caller: services).run())
        } catch {
            Output.printError(error, operation: "demo")
        }
        _ = await Launcher.down(dataDirectory: directory)
        print("")
        print(passed ? "demo: both outcomes are right" : "demo: FAILED (logs in \(directory)/logs)")
        if passed { try? FileManager.default.removeItem(atPath: directory) }
        if !passed { throw ExitCode(1) }
    }

    /// Prints each case; true when both came out right.
    static func report(_ results: [(Topology.Demo.Case, ExecutionReport, Bool)]) -> Bool {
        for (demoCase, report, ok) in results {
            print("")
            print("input:        \(demoCase.input)")
            print("execution:    \(report.executionArn)")
            print("status:       \(report.status)")
            print("path:         \(report.path.joined(separator: " → "))")
            print("notification: \(report.notifications.joined(separator: ", "))")
            print(
                "result:       \(ok ? "as expected" : "NOT as expected (wanted \(demoCase.expectedState) and \"\(demoCase.expectedNotification)\")")"
            )
        }
        return !results.isEmpty && results.allSatisfy(\.2)
    }
}

struct Probe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Exit 0 if the process at ENDPOINT answers: a container's health check.",
        discussion: """
            A wire endpoint (tcp://host:port, ipc://path) is sent a Ping; an http:// URL is taken as an AWS gateway \
            and asked for /_callbacksim/health (with --ready, /_callbacksim/ready: every process behind it answers).
            """)
    @Argument(help: "tcp://host:port, ipc://path, or the gateway's http://host:port.") var endpoint: String
    @Option(help: "Seconds to wait for the answer.") var timeout = 2.0
    @Flag(help: "For a gateway: succeed only when every process behind it answers.") var ready = false

    func run() async throws {
        let wait = Duration.milliseconds(Int(timeout * 1000))
        if endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") {
            do {
                let (status, body) = try await GatewayClient(endpoint: endpoint).health(ready: ready, timeout: wait)
                Output.printJSON(body)
                if status != 200 { throw ExitCode(1) }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                Output.printError(error, operation: "probe")
                throw ExitCode(1)
            }
            return
        }
        guard let answer = await Launcher.ping(endpoint, context: Context(), timeout: wait) else {
            Output.printError(Launcher.LaunchError(message: "\(endpoint) did not answer"), operation: "probe")
            throw ExitCode(1)
        }
        Output.printJSON(WireCoding.encode(answer))
    }
}
