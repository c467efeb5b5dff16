import FaultInjection
import Foundation
import Glibc
import JSON
import NetworkNamespaces
import ServiceSupport
import Synchronization
import Topology
import Wire
import ZeroMQ

/// docker-compose.yml's containers as an experiment's topology. The runner stays on this machine and reaches each
/// container's wire endpoint at a fixed address: an override file puts the project's network on a free
/// 10.79.N.0/24 and each service at 10.79.N.(10 + its port offset), and passes the experiment's clock as
/// `CALLBACKSIM_CLOCK_…` variables. Faults are the container engine's: kill is `kill --signal KILL` of the
/// container (its process gets SIGKILL) and a `start` later; pause is a container pause; a partition disconnects
/// each container it names from the project's network and connects it again with the same address and alias;
/// loss is an iptables rule inside a container's network namespace (`nsenter`, root only).
public struct ComposeTopology: ProcessTopology {
    /// The container engine and compose tool, as found on this machine.
    public struct Engine: Sendable {
        /// `docker` or `podman`.
        public var tool: String
        public var compose: [String]
        /// Added to the environment of every engine and compose command (podman's Docker socket, its settings).
        public var environment: [String: String]
        /// Whether the engine runs health checks by itself (podman needs systemd for that).
        public var runsHealthChecks: Bool

        /// A Docker engine when one answers; otherwise rootful podman behind its Docker-compatible socket (started
        /// when it is not running), with `deploy/podman/containers.conf` when the repository has it.
        public static func detect(repository: String) async throws -> Engine {
            if (try? Command.status(["docker", "info"]))?.status == 0 {
                let plugin = (try? Command.status(["docker", "compose", "version"]))?.status == 0
                return Engine(
                    tool: "docker", compose: plugin ? ["docker", "compose"] : ["docker-compose"], environment: [:],
                    runsHealthChecks: true)
            }
            guard Command.which("podman") != nil, Command.which("docker-compose") != nil else {
                throw Command.Failure(
                    message:
                        "no Docker engine answers, and podman or docker-compose is missing: run `make image` (it sets podman up)"
                )
            }
            let socket = "/run/podman/podman.sock"
            var environment = ["DOCKER_HOST": "unix://" + socket]
            let settings = repository + "/deploy/podman/containers.conf"
            if FileManager.default.fileExists(atPath: settings) { environment["CONTAINERS_CONF"] = settings }
            if (try? Command.status(["curl", "-sf", "--unix-socket", socket, "http://d/_ping"]))?.status != 0 {
                try FileManager.default.createDirectory(atPath: "/run/podman", withIntermediateDirectories: true)
                var spawnEnvironment = ProcessInfo.processInfo.environment
                spawnEnvironment.merge(environment) { _, new in new }
                _ = try Launcher.spawnDetached(
                    executable: Command.which("podman") ?? "podman",
                    arguments: ["system", "service", "--time=0", "unix://" + socket],
                    log: "/tmp/callbacksim-podman-service.log", environment: spawnEnvironment)
                for _ in 0..<100 {
                    if (try? Command.status(["curl", "-sf", "--unix-socket", socket, "http://d/_ping"]))?.status == 0 {
                        break
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            return Engine(
                tool: "podman", compose: ["docker-compose"], environment: environment,
                runsHealthChecks: FileManager.default.fileExists(atPath: "/run/systemd/private"))
        }
    }

    public static let image = "callbacksim:local"

    public let engine: Engine
    /// The compose file.
    public let file: String
    /// The compose project: its containers, network and volumes are this run's alone.
    public let project: String
    public let layout: TopologyLayout
    let subnet: String
    let publishedPort: Int
    /// Each service's container, learned once the project is up (ids outlive restarts).
    let containers = Containers()

    final class Containers: Sendable {
        let ids = Mutex<[ServiceName: String]>([:])
    }

    public init(engine: Engine, file: String, clockRate: Double) throws {
        let id = UUID().uuidString.prefix(8).lowercased()
        let subnet = "10.79.\(try Self.freeSubnet())"
        var layout = TopologyLayout(
            dataDirectory: "/tmp/cbx-\(id)",
            endpoints: Dictionary(
                uniqueKeysWithValues: ServiceName.allCases.map {
                    ($0, "tcp://\(subnet).\(10 + $0.portOffset):\(7100 + $0.portOffset)")
                }))
        layout.setClockRate(clockRate)
        self.engine = engine
        self.file = file
        self.project = "cbx\(id)"
        self.layout = layout
        self.subnet = subnet
        self.publishedPort = TopologyLayout.freeTCPPort()
    }

    public var description: String {
        "compose project \(project) from \(file) (\(engine.tool), network \(subnet).0/24)"
    }

    var network: String { project + "_default" }
    func address(_ service: ServiceName) -> String { "\(subnet).\(10 + service.portOffset)" }

    func compose(_ arguments: [String]) async throws -> String {
        try await Command.outputInBackground(
            engine.compose + ["-p", project, "-f", file, "-f", overridePath] + arguments,
            environment: engine.environment.merging(["CALLBACKSIM_PUBLISHED_PORT": String(publishedPort)]) { a, _ in a }
        )
    }

    func engineCommand(_ arguments: [String]) async throws -> String {
        try await Command.outputInBackground([engine.tool] + arguments, environment: engine.environment)
    }

    func container(_ service: ServiceName) throws -> String {
        guard let id = containers.ids.withLock({ $0[service] }) else {
            throw Command.Failure(message: "no container for \(service.rawValue) in \(project)")
        }
        return id
    }

    // MARK: Lifecycle

    var overridePath: String { layout.dataDirectory + "/compose-override.json" }

    /// The network on this run's subnet, each service's address on it, and each process's extra flags (the
    /// experiment's clock) as the variables the processes read them from.
    func override() -> JSONValue {
        var services = JSONObject()
        for service in ServiceName.allCases {
            var environment = JSONObject()
            let flags = layout.extraArguments[service.rawValue] ?? []
            for index in stride(from: 0, to: flags.count - 1, by: 2) where flags[index].hasPrefix("--") {
                environment[EnvironmentArguments.variable(forOption: String(flags[index].dropFirst(2)))] =
                    .string(flags[index + 1])
            }
            services[service.rawValue] = [
                "networks": ["default": ["ipv4_address": .string(address(service))]],
                "environment": .object(environment),
            ]
        }
        return [
            "networks": ["default": ["ipam": ["config": [["subnet": .string(subnet + ".0/24")]]]]],
            "services": .object(services),
        ]
    }

    public func start(context: Context) async throws {
        guard (try? await engineCommand(["image", "inspect", Self.image])) != nil else {
            throw Command.Failure(message: "the image \(Self.image) is missing: run `make image` first")
        }
        try FileManager.default.createDirectory(atPath: layout.dataDirectory, withIntermediateDirectories: true)
        try override().prettyPrinted().write(toFile: overridePath, atomically: true, encoding: .utf8)
        // Without systemd, podman runs no health check and `service_healthy` never comes: run them meanwhile.
        let ticker = engine.runsHealthChecks ? nil : Task { await tickHealthChecks() }
        defer { ticker?.cancel() }
        _ = try await compose(["up", "-d"])
        for service in ServiceName.allCases {
            let id = try await compose(["ps", "-q", service.rawValue]).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !id.isEmpty else {
                throw Command.Failure(message: "no container for \(service.rawValue) in \(project)")
            }
            containers.ids.withLock { $0[service] = id }
        }
        for service in ServiceName.allCases {
            guard await Launcher.waitUntilAnswering(layout.endpoint(service), context: context, timeout: .seconds(60))
            else { throw Command.Failure(message: "\(service.rawValue) in \(project) did not answer") }
        }
    }

    func tickHealthChecks() async {
        while !Task.isCancelled {
            let running =
                (try? await engineCommand(["ps", "-q", "--filter", "label=com.docker.compose.project=\(project)"]))
            for id in running?.split(whereSeparator: \.isNewline) ?? [] {
                _ = try? await engineCommand(["healthcheck", "run", String(id)])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    public func stop(passed: Bool) async {
        if !passed, let logs = try? await compose(["logs", "--no-color"]) {
            try? logs.write(toFile: layout.dataDirectory + "/compose.log", atomically: true, encoding: .utf8)
        }
        _ = try? await compose(["down", "-v", "--remove-orphans"])
        if passed { try? FileManager.default.removeItem(atPath: layout.dataDirectory) }
    }

    public func abandon() {
        _ = try? Command.output(
            engine.compose + ["-p", project, "-f", file, "-f", overridePath, "down", "-v", "--remove-orphans"],
            environment: engine.environment)
    }

    // MARK: Faults

    public func kill(_ service: ServiceName, restartAfter: Duration, context: Context) async throws {
        let id = try container(service)
        _ = try await engineCommand(["kill", "--signal", "KILL", id])
        try? await Task.sleep(for: restartAfter)
        _ = try await engineCommand(["start", id])
        _ = await Launcher.waitUntilAnswering(layout.endpoint(service), context: context, timeout: .seconds(60))
    }

    public func pause(_ service: ServiceName, for duration: Duration) async throws {
        let id = try container(service)
        _ = try await engineCommand(["pause", id])
        try? await Task.sleep(for: duration)
        _ = try await engineCommand(["unpause", id])
    }

    public var networkFaultsUnavailable: String? { nil }

    /// The containers a partition or isolation disconnects.
    func disconnected(_ fault: NetworkFault) -> [ServiceName] {
        switch fault {
        case .isolation(let service): [service]
        case .partition(let a, let b): [a, b]
        case .loss: []
        }
    }

    func filter(_ fault: NetworkFault) throws -> PacketFilter? {
        guard case .loss(let a, let b, _) = fault else { return nil }
        guard getuid() == 0 else {
            throw Command.Failure(message: "packet loss inside a container's network namespace needs root")
        }
        let pid = try Command.output(
            [engine.tool, "inspect", "--format", "{{.State.Pid}}", try container(a)], environment: engine.environment
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        return PacketFilter(enter: ["nsenter", "-t", pid, "-n"], peer: address(b))
    }

    public func impose(_ fault: NetworkFault) async throws {
        if case .loss(_, _, let probability) = fault {
            try filter(fault)?.set(true, probability: probability)
            return
        }
        for service in disconnected(fault) {
            _ = try await engineCommand(["network", "disconnect", network, try container(service)])
        }
    }

    public func lift(_ fault: NetworkFault) async throws {
        if case .loss(_, _, let probability) = fault {
            try filter(fault)?.set(false, probability: probability)
            return
        }
        for service in disconnected(fault) {
            _ = try await engineCommand([
                "network", "connect", "--ip", address(service), "--alias", service.rawValue, network,
                try container(service),
            ])
        }
    }

    public func droppedPackets(_ fault: NetworkFault) -> Int? { (try? filter(fault))??.droppedPackets() }

    /// A 10.79.N.0/24 no interface here uses yet.
    static func freeSubnet() throws -> Int {
        let used = (try? Command.output("ip", "-4", "-o", "addr", "show")) ?? ""
        guard let free = (1...250).shuffled().first(where: { !used.contains("10.79.\($0).") }) else {
            throw Command.Failure(message: "no free 10.79.N.0/24 subnet for the compose network")
        }
        return free
    }
}
