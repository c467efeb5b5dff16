import Foundation
import JSON
import Report
import Template
import Topology
import Wire
import ZeroMQ

/// Starts the real executables on Unix sockets in a fresh directory, and tears them down.
final class TopologyHarness: @unchecked Sendable {
    let directory: String
    let layout: TopologyLayout
    let context = Context()
    let launcher: Launcher
    let client: TopologyClient
    var state: TopologyState?

    init(extraArguments: [ServiceName: [String]] = [:], clockRate: Double = 1) throws {
        // ipc:// paths must stay under 107 bytes, so keep the directory short.
        directory = "/tmp/cbs-\(UUID().uuidString.prefix(8))"
        var layout = TopologyLayout.ipc(dataDirectory: directory)
        layout.extraArguments = Dictionary(uniqueKeysWithValues: extraArguments.map { ($0.key.rawValue, $0.value) })
        layout.setClockRate(clockRate)
        self.layout = layout
        launcher = Launcher(template: try SAMTemplate.seed())
        client = TopologyClient(layout: layout, context: context)
    }

    static var binDirectory: String { Launcher.ownDirectory() }

    func up() async throws {
        state = try await launcher.up(layout, context: context)
    }

    func pid(_ service: ServiceName) -> Int32 { state?.pids[service.rawValue] ?? 0 }

    func kill9(_ service: ServiceName) {
        kill(pid(service), SIGKILL)
        Launcher.reap([pid(service)])
    }

    func down(keepData: Bool = false) async {
        _ = await Launcher.down(dataDirectory: directory, grace: .seconds(3))
        if !keepData { try? FileManager.default.removeItem(atPath: directory) }
    }

    func start(_ input: String, machine: String = "WorkflowAsyncAPICallbackPattern") async throws -> String {
        let arn = try await client.stateMachineArn(machine)
        let output: StartExecutionOutput = try await client.call(
            .orchestrator, StepFunctions.startExecution,
            StartExecutionInput(stateMachineArn: arn, input: input))
        return output.executionArn
    }

    func describe(_ arn: String) async throws -> DescribeExecutionOutput {
        try await client.call(
            .orchestrator, StepFunctions.describeExecution, ExecutionArnInput(executionArn: arn))
    }

    /// Waits until every execution has ended and its notification is logged; returns their reports.
    func reports(_ arns: [String], timeout: Duration) async throws -> [ExecutionReport] {
        let deadline = ContinuousClock.now + timeout
        while true {
            var reports: [ExecutionReport] = []
            let log = try await client.notifications()
            for arn in arns {
                let description = try await describe(arn)
                reports.append(
                    ExecutionReport(
                        executionArn: arn, status: description.status, history: try await client.history(arn), log: log)
                )
            }
            let settled = reports.allSatisfy { $0.status != "RUNNING" && !$0.notifications.isEmpty }
            if settled || ContinuousClock.now >= deadline { return reports }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    func logTail(_ service: ServiceName) -> String {
        let text = (try? String(contentsOfFile: "\(directory)/logs/\(service.rawValue).log", encoding: .utf8)) ?? ""
        return String(text.suffix(2000))
    }
}

/// Runs an executable of the package and captures its output (to files, so neither stream can fill a pipe and
/// stall it); past `timeout` it is killed and the call throws.
func runTool(_ name: String, _ arguments: [String], timeout: TimeInterval = 120) async throws -> (
    status: Int32, stdout: String, stderr: String
) {
    // Off the cooperative threads: a test waiting minutes for a tool would starve the timing tests beside it.
    try await Command.inBackground {
        try Command.status([TopologyHarness.binDirectory + "/" + name] + arguments, timeout: .seconds(timeout))
    }
}

/// Starts a topology, runs `body`, and always stops it again; on failure the data (and logs) stay for a look.
func withTopology(
    extraArguments: [ServiceName: [String]] = [:], clockRate: Double = 1, _ body: (TopologyHarness) async throws -> Void
) async throws {
    let harness = try TopologyHarness(extraArguments: extraArguments, clockRate: clockRate)
    do {
        try await harness.up()
        try await body(harness)
    } catch {
        await harness.down(keepData: true)
        throw error
    }
    await harness.down()
}
