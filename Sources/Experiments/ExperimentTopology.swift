import FaultInjection
import Foundation
import Glibc
import NetworkNamespaces
import ServiceSupport
import Topology
import Wire
import ZeroMQ

/// Where an experiment runs, and how its process and network faults are made there: local processes
/// (`LocalTopology`, each in a network namespace when the experiment has network faults) or a compose project's
/// containers (`ComposeTopology`), or the services in one process on virtual time (`SimulatedTopology`). The
/// workload, the wire-level faults (link rules, clocks), the recorder and the checker are the same for all; they
/// reach every process through `caller`, and wait on `runnerClock`.
public protocol ExperimentTopology: Sendable, CustomStringConvertible {
    /// How the runner calls the processes.
    func caller(context: Context) -> any ServiceCaller
    /// The runner's time: real time for processes, virtual time in a simulation.
    var runnerClock: any WallClock { get }
    /// Whether an interrupted run leaves something outside this process for `abandon` to remove.
    var leavesThingsBehind: Bool { get }
    /// Starts every process and deploys the template; returns once every process answers.
    func start(context: Context) async throws
    /// kill -9 of the process, and its restart `restartAfter` later.
    func kill(_ service: ServiceName, restartAfter: Duration, context: Context) async throws
    /// Stops the process (SIGSTOP, a container pause) for `duration`, then lets it go on.
    func pause(_ service: ServiceName, for duration: Duration) async throws
    /// Why network faults cannot be made here, or nil when they can.
    var networkFaultsUnavailable: String? { get }
    func impose(_ fault: NetworkFault) async throws
    func lift(_ fault: NetworkFault) async throws
    /// What the kernel's rules counted for a fault, when rules make it.
    func droppedPackets(_ fault: NetworkFault) -> Int?
    /// Stops everything and removes what the run made; keeps what is worth reading when the run failed.
    func stop(passed: Bool) async
    /// The same from a signal handler, synchronously: nothing may outlive an interrupted run.
    func abandon()
}

/// A topology of real processes, each reached at its endpoint in `layout`.
public protocol ProcessTopology: ExperimentTopology {
    /// The wire endpoint of each process, as the runner reaches it.
    var layout: TopologyLayout { get }
}

extension ProcessTopology {
    public func caller(context: Context) -> any ServiceCaller { TopologyClient(layout: layout, context: context) }
    public var runnerClock: any WallClock { SystemWallClock() }
    public var leavesThingsBehind: Bool { true }
}

/// The processes of `callbacksim up` on this machine: on Unix sockets, or each in a network namespace of its own
/// when the experiment has network faults.
public struct LocalTopology: ProcessTopology {
    public let launcher: Launcher
    public let layout: TopologyLayout
    let lab: NetworkLab?

    /// A fresh data directory and, for network faults, a network lab (root only). `external` services are left
    /// out, for the caller's own code to play.
    public init(
        launcher: Launcher, networkFaults: Bool, clockRate: Double, external: [ServiceName] = []
    ) throws {
        let directory = "/tmp/cbx-\(UUID().uuidString.prefix(8))"
        let lab = networkFaults ? try NetworkLab.create() : nil
        var layout = lab?.layout(dataDirectory: directory) ?? TopologyLayout.ipc(dataDirectory: directory)
        layout.setClockRate(clockRate)
        if !external.isEmpty { layout.external = external.map(\.rawValue) }
        self.launcher = launcher
        self.layout = layout
        self.lab = lab
    }

    public var description: String {
        "a topology in \(layout.dataDirectory)"
            + (lab.map { " on network namespaces \($0.namespace(.orchestrator)) … (10.77.\($0.subnet).0/24)" } ?? "")
    }

    public func start(context: Context) async throws { _ = try await launcher.up(layout, context: context) }

    func pid(_ service: ServiceName) -> Int32? {
        TopologyState.load(dataDirectory: layout.dataDirectory)?.livePid(service)
    }

    public func kill(_ service: ServiceName, restartAfter: Duration, context: Context) async throws {
        guard let pid = pid(service) else { return }
        Glibc.kill(pid, SIGKILL)
        Launcher.reap([pid])
        try? await Task.sleep(for: restartAfter)
        try await launcher.restart(service, layout: layout, context: context)
    }

    public func pause(_ service: ServiceName, for duration: Duration) async throws {
        guard let pid = pid(service) else { return }
        Glibc.kill(pid, SIGSTOP)
        try? await Task.sleep(for: duration)
        Glibc.kill(pid, SIGCONT)
    }

    public var networkFaultsUnavailable: String? {
        lab == nil ? "the processes share this machine's network (no network namespaces)" : nil
    }

    public func impose(_ fault: NetworkFault) async throws { try lab?.impose(fault) }
    public func lift(_ fault: NetworkFault) async throws { try lab?.lift(fault) }
    public func droppedPackets(_ fault: NetworkFault) -> Int? { lab?.droppedPackets(fault) }

    public func stop(passed: Bool) async {
        _ = await Launcher.down(dataDirectory: layout.dataDirectory)
        lab?.destroy()
        if passed { try? FileManager.default.removeItem(atPath: layout.dataDirectory) }
    }

    public func abandon() {
        Launcher.killAll(dataDirectory: layout.dataDirectory)
        lab?.destroy()
    }
}
