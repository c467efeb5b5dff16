import Foundation
import Glibc
import Synchronization
import Template
import Wire
import ZeroMQ

/// glibc's POSIX_SPAWN_SETSID (spawn.h), which Swift does not import because glibc guards it with __USE_GNU.
private let posixSpawnSetSID: Int16 = 0x80

extension ServiceName {
    public var portOffset: Int {
        switch self {
        case .orchestrator: return 1
        case .queueBroker: return 2
        case .apiSimulator: return 3
        case .callbackSender: return 4
        case .notificationLogger: return 5
        case .awsGateway: return 6
        }
    }
}

/// Where each process listens and keeps its data, and how it is started.
public struct TopologyLayout: Codable, Sendable, Equatable {
    public var dataDirectory: String
    public var endpoints: [String: String]
    /// Extra flags per process (clock rate, `--quote-token`, …), kept so a restart uses the same ones.
    public var extraArguments: [String: [String]]
    /// The network namespace each process runs in (a `NetworkLab`); none: the runner's own.
    public var networkNamespaces: [String: String]?
    /// Where the gateway's HTTP port listens (AWS SDKs' `endpoint_url`); default 127.0.0.1:4566.
    public var gatewayHost: String?
    public var gatewayPort: Int?
    /// Services left to the user's own code (`up --external api-simulator`): not started, not deployed to.
    public var external: [String]?

    /// Whether the topology runs `service` itself.
    public func runs(_ service: ServiceName) -> Bool { !(external ?? []).contains(service.rawValue) }

    /// The services the topology runs.
    public var running: [ServiceName] { ServiceName.allCases.filter(runs) }

    /// The AWS endpoint SDKs and the AWS CLI are pointed at.
    public var gatewayURL: String {
        let host = gatewayHost ?? "127.0.0.1"
        return "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(gatewayPort ?? 4566)"
    }

    public init(dataDirectory: String, endpoints: [ServiceName: String], extraArguments: [ServiceName: [String]] = [:])
    {
        self.dataDirectory = dataDirectory
        self.endpoints = Dictionary(uniqueKeysWithValues: endpoints.map { ($0.key.rawValue, $0.value) })
        self.extraArguments = Dictionary(uniqueKeysWithValues: extraArguments.map { ($0.key.rawValue, $0.value) })
    }

    /// TCP on loopback, ports base+1 … base+5.
    public static func tcp(dataDirectory: String, basePort: Int) -> TopologyLayout {
        TopologyLayout(
            dataDirectory: dataDirectory,
            endpoints: Dictionary(
                uniqueKeysWithValues: ServiceName.allCases.map { ($0, "tcp://127.0.0.1:\(basePort + $0.portOffset)") }))
    }

    /// Unix-domain sockets inside the data directory: no ports to collide, for tests and the demo. The gateway's
    /// HTTP port is one the kernel has free now.
    public static func ipc(dataDirectory: String) -> TopologyLayout {
        let absolute = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
        var layout = TopologyLayout(
            dataDirectory: dataDirectory,
            endpoints: Dictionary(
                uniqueKeysWithValues: ServiceName.allCases.map { ($0, "ipc://\(absolute)/\($0.rawValue).sock") }))
        layout.gatewayPort = freeTCPPort()
        return layout
    }

    /// Ports `freeTCPPort` has handed out in this process: never handed out twice, though the kernel would.
    private static let handedOut = Mutex<Set<Int>>([])

    /// A loopback port nobody listens on, for a gateway to bind a moment later. Drawn from below Linux's ephemeral
    /// range (32768–60999), which the kernel hands to outgoing connections and to port-0 binds — a port from there
    /// could be taken between this check and the bind, and port 0 gave two topologies started together the same
    /// port — and never one this process handed out before.
    public static func freeTCPPort() -> Int {
        for _ in 0..<1_000 {
            let port = Int.random(in: 20_000..<32_768)
            guard handedOut.withLock({ $0.insert(port).inserted }), canBind(port) else { continue }
            return port
        }
        return 4566
    }

    private static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    public func endpoint(_ service: ServiceName) -> String { endpoints[service.rawValue] ?? "" }

    /// Runs the five services' clocks `rate` times fast, all from one epoch (now), so the times they record
    /// agree. The gateway keeps real time: SigV4 signatures are checked against the callers' real clocks.
    public mutating func setClockRate(_ rate: Double, epoch: Double = Date().timeIntervalSince1970) {
        guard rate != 1 else { return }
        for service in ServiceName.allCases where service.followsTopologyClock {
            extraArguments[service.rawValue, default: []] += [
                "--clock-rate", String(rate), "--clock-epoch", String(epoch),
            ]
        }
    }
}

/// What `callbacksim up` wrote: the layout, the pid of each process it started, and the deployed template's
/// Outputs (as `sam deploy` lists them).
public struct TopologyState: Codable, Sendable {
    public var layout: TopologyLayout
    public var pids: [String: Int32]
    /// Who each pid was when started, so a reused pid is never signalled (absent in files of older versions).
    public var processes: [String: ProcessIdentity]?
    public var outputs: [Output]?

    public init(
        layout: TopologyLayout, pids: [String: Int32], processes: [String: ProcessIdentity]? = nil,
        outputs: [Output]? = nil
    ) {
        self.layout = layout
        self.pids = pids
        self.processes = processes
        self.outputs = outputs
    }

    public struct Output: Codable, Sendable, Equatable {
        public var key: String
        public var value: String
        public var description: String?

        public init(key: String, value: String, description: String?) {
            self.key = key
            self.value = value
            self.description = description
        }
    }

    public static func path(dataDirectory: String) -> String { dataDirectory + "/topology.json" }

    public static func load(dataDirectory: String) -> TopologyState? {
        guard let data = FileManager.default.contents(atPath: path(dataDirectory: dataDirectory)) else { return nil }
        return try? JSONDecoder().decode(TopologyState.self, from: data)
    }

    private static let updating = Mutex(())

    /// Reads the file (or starts one for `layout`), applies `change` and writes it back, all under a lock.
    static func update(layout: TopologyLayout, _ change: (inout TopologyState) throws -> Void) throws -> TopologyState {
        try updating.withLock { _ in
            var state =
                load(dataDirectory: layout.dataDirectory) ?? TopologyState(layout: layout, pids: [:])
            state.layout = layout
            try change(&state)
            try state.save()
            return state
        }
    }

    public func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(
            to: URL(fileURLWithPath: Self.path(dataDirectory: layout.dataDirectory)), options: .atomic)
    }
}

/// Starts, watches and stops the six processes.
public struct Launcher: Sendable {
    public let binDirectory: String
    public let template: SAMTemplate

    public init(binDirectory: String? = nil, template: SAMTemplate) {
        self.binDirectory = binDirectory ?? Launcher.ownDirectory()
        self.template = template
    }

    /// The folder of the running executable: the others were built beside it.
    public static func ownDirectory() -> String {
        let path =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (path as NSString).deletingLastPathComponent
    }

    public struct LaunchError: Error, CustomStringConvertible {
        public let message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    /// Under `swift run callbacksim up` only the CLI is built; inside a package checkout, build the other
    /// executables too (they land beside it) rather than failing.
    /// Builds the six executables with `swift build` when any is missing from the bin directory and this is the
    /// package's folder; `release` builds them optimized (`-c release`).
    public func buildMissingExecutables(release: Bool = false) throws {
        let missing = ServiceName.allCases.filter {
            !FileManager.default.isExecutableFile(atPath: binDirectory + "/" + $0.rawValue)
        }
        guard !missing.isEmpty, FileManager.default.fileExists(atPath: "Package.swift") else { return }
        let arguments = ["swift", "build"] + (release ? ["-c", "release"] : [])
        FileHandle.standardError.write(
            Data(
                "building \(missing.map(\.rawValue).joined(separator: ", ")) with `\(arguments.joined(separator: " "))` …\n"
                    .utf8))
        let build = Process()
        build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        build.arguments = arguments
        try build.run()
        build.waitUntilExit()
        guard build.terminationStatus == 0 else {
            throw LaunchError(message: "`\(arguments.joined(separator: " "))` failed")
        }
    }

    /// Where the executables are: `.build/release` in the package's folder (`swift build -c release` puts them
    /// there) for `release`, else nil (beside this one).
    public static func binDirectory(release: Bool) -> String? {
        release ? FileManager.default.currentDirectoryPath + "/.build/release" : nil
    }

    // MARK: Arguments

    /// Which process serves which Lambda function of the template: a queue consumer is the api-simulator (its
    /// own loop, and Invoke), a function subscribed to a topic is the notification logger, and any other is the
    /// callback sender. `running`: the processes the topology runs (a function of one it does not is left out).
    public func functionHosts(running: (ServiceName) -> Bool = { _ in true })
        -> (invokable: [String: ServiceName], subscribed: [String: ServiceName])
    {
        var invokable: [String: ServiceName] = [:]
        var subscribed: [String: ServiceName] = [:]
        for function in template.functions {
            let host = Self.host(ofFunction: function)
            guard running(host) else { continue }
            invokable[function.name] = host
            if host == .notificationLogger { subscribed[function.name] = host }
        }
        return (invokable, subscribed)
    }

    /// `functionHosts` as `service@endpoint` values: the process knows which link a call travels, for link faults.
    func functionEndpoints(_ layout: TopologyLayout) -> (invokable: [String: String], subscribed: [String: String]) {
        let (invokable, subscribed) = functionHosts(running: layout.runs)
        let endpoint = { (host: ServiceName) in host.rawValue + "@" + layout.endpoint(host) }
        return (invokable.mapValues(endpoint), subscribed.mapValues(endpoint))
    }

    /// Each function's Timeout (seconds), by name: a process that invokes one waits for it that long.
    public var functionTimeouts: [String: Double] {
        Dictionary(template.functions.map { ($0.name, Double($0.configuration.timeout)) }) { a, _ in a }
    }

    /// `--function-timeout NAME=SECONDS` for the functions a process invokes.
    func functionTimeouts(_ names: some Sequence<String>) -> [String] {
        let wanted = Set(names)
        return template.functions.filter { wanted.contains($0.name) }.sorted { $0.name < $1.name }.flatMap {
            ["--function-timeout", "\($0.name)=\($0.configuration.timeout)"]
        }
    }

    /// The Timeout of the function `host` runs (the longest, if several): Lambda ends an invocation after it.
    public func hostedTimeout(of host: ServiceName) -> Double? {
        longestTimeout(hostedBy: host).map(Double.init)
    }

    /// `--timeout` of a function host.
    func hostedTimeout(_ host: ServiceName) -> [String] {
        longestTimeout(hostedBy: host).map { ["--timeout", String($0)] } ?? []
    }

    private func longestTimeout(hostedBy host: ServiceName) -> Int? {
        template.functions.filter { Self.host(ofFunction: $0) == host }.map(\.configuration.timeout).max()
    }

    /// The process that runs a function of the template.
    public static func host(ofFunction function: SAMTemplate.Function) -> ServiceName {
        if !function.sqsSources.isEmpty { return .apiSimulator }
        return function.snsTopics.isEmpty ? .callbackSender : .notificationLogger
    }

    /// The queue consumer's binding: which queue, which state machine it starts, the batch size.
    public var consumer: (queue: String, stateMachine: String, batchSize: Int)? {
        guard let function = template.functions.first(where: { !$0.sqsSources.isEmpty }),
            let source = function.sqsSources.first
        else { return nil }
        let arn = function.environment["STATE_MACHINE_ARN"] ?? ""
        let machine = template.stateMachines.first { arn.hasSuffix(":stateMachine:\($0.name)") }?.name ?? ""
        return (source.queue, machine, source.batchSize)
    }

    public func arguments(for service: ServiceName, layout: TopologyLayout) -> [String] {
        let (invokable, subscribed) = functionEndpoints(layout)
        var arguments = ["--data-dir", layout.dataDirectory, "--endpoint", layout.endpoint(service)]
        let account = ["--region", template.region, "--account", template.accountId]
        switch service {
        case .orchestrator:
            arguments += ["--queue-broker", layout.endpoint(.queueBroker)] + account
            for (name, endpoint) in invokable.sorted(by: { $0.key < $1.key }) {
                arguments += ["--function", "\(name)=\(endpoint)"]
            }
            arguments += functionTimeouts(invokable.keys)
        case .queueBroker:
            arguments += account + ["--gateway-url", layout.gatewayURL]
            for (name, endpoint) in subscribed.sorted(by: { $0.key < $1.key }) {
                arguments += ["--function", "\(name)=\(endpoint)"]
            }
        case .apiSimulator:
            arguments += ["--queue-broker", layout.endpoint(.queueBroker)] + account
            for (name, endpoint) in invokable.sorted(by: { $0.key < $1.key }) {
                arguments += ["--function", "\(name)=\(endpoint)"]
            }
            arguments += functionTimeouts(invokable.keys)
            if let consumer {
                arguments += [
                    "--queue-name", consumer.queue, "--state-machine-name", consumer.stateMachine, "--batch-size",
                    String(consumer.batchSize),
                ]
            }
        case .callbackSender:
            arguments += ["--orchestrator", layout.endpoint(.orchestrator)] + hostedTimeout(.callbackSender)
        case .notificationLogger:
            arguments += account + hostedTimeout(.notificationLogger)
        case .awsGateway:
            arguments +=
                [
                    "--gateway-host", layout.gatewayHost ?? "127.0.0.1", "--gateway-port",
                    String(layout.gatewayPort ?? 4566),
                    "--step-functions", "orchestrator@" + layout.endpoint(.orchestrator),
                    "--queue-broker", "queue-broker@" + layout.endpoint(.queueBroker),
                    "--logs", "notification-logger@" + layout.endpoint(.notificationLogger),
                ] + account
            if layout.runs(.apiSimulator) {
                arguments += ["--step-functions", "api-simulator@" + layout.endpoint(.apiSimulator)]
            }
            if let path = template.path { arguments += ["--template", path] }
            for (name, endpoint) in invokable.sorted(by: { $0.key < $1.key }) {
                arguments += ["--function", "\(name)=\(endpoint)"]
            }
        }
        return arguments + (layout.extraArguments[service.rawValue] ?? [])
    }

    // MARK: Processes

    /// Starts the processes that are not running, waits until all answer, and deploys the template.
    public func up(_ layout: TopologyLayout, context: Context) async throws -> TopologyState {
        _ = try startMissing(layout.running, layout: layout)
        for service in layout.running { try await waitUntilAnswering(service, layout: layout, context: context) }
        if layout.networkNamespaces == nil,
            !(await Self.waitUntilListening(
                host: layout.gatewayHost ?? "127.0.0.1", port: layout.gatewayPort ?? 4566, timeout: .seconds(30)))
        {
            throw LaunchError(
                message:
                    "the gateway's HTTP port \(layout.gatewayPort ?? 4566) is not open; see \(layout.dataDirectory)/logs/aws-gateway.log"
            )
        }
        try await Deployment(template: template).apply(to: layout, context: context)
        let outputs = template.outputs.map {
            TopologyState.Output(key: $0.key, value: $0.value, description: $0.description)
        }
        return try TopologyState.update(layout: layout) { $0.outputs = outputs }
    }

    /// Starts `service` again after it died (an experiment's kill) and waits for it alone: its data is where it
    /// was, so nothing is deployed, and a paused neighbour does not hold the restart up.
    public func restart(_ service: ServiceName, layout: TopologyLayout, context: Context) async throws {
        _ = try startMissing([service], layout: layout)
        try await waitUntilAnswering(service, layout: layout, context: context)
    }

    /// Spawns those of `services` whose process is not running (or is not ours), recording who they are. The
    /// file is read, changed and written under one lock, so restarts running at once (an experiment's kills)
    /// cannot write back a stale copy that forgets a process (which `down` would then leave running).
    func startMissing(_ services: [ServiceName], layout: TopologyLayout) throws -> TopologyState {
        try FileManager.default.createDirectory(
            atPath: layout.dataDirectory + "/logs", withIntermediateDirectories: true)
        return try TopologyState.update(layout: layout) { state in
            for service in services {
                if state.livePid(service) != nil { continue }
                let pid = try spawn(service, layout: layout)
                state.pids[service.rawValue] = pid
                state.processes = state.processes ?? [:]
                state.processes?[service.rawValue] = ProcessIdentity.spawned(
                    pid, executable: binDirectory + "/" + service.rawValue)
            }
        }
    }

    func waitUntilAnswering(_ service: ServiceName, layout: TopologyLayout, context: Context) async throws {
        guard await Self.waitUntilAnswering(layout.endpoint(service), context: context, timeout: .seconds(30)) else {
            throw LaunchError(
                message:
                    "\(service.rawValue) did not answer within 30 s; see \(layout.dataDirectory)/logs/\(service.rawValue).log"
            )
        }
    }

    func spawn(_ service: ServiceName, layout: TopologyLayout) throws -> Int32 {
        let executable = binDirectory + "/" + service.rawValue
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw LaunchError(message: "\(executable) is missing: run `swift build` first")
        }
        let log = layout.dataDirectory + "/logs/\(service.rawValue).log"
        if let namespace = layout.networkNamespaces?[service.rawValue] {
            // `ip netns exec` enters the namespace and execs the process: the pid stays the one we record.
            return try Self.spawnDetached(
                executable: Command.which("ip") ?? "/usr/sbin/ip",
                arguments: ["netns", "exec", namespace, executable] + arguments(for: service, layout: layout), log: log)
        }
        return try Self.spawnDetached(
            executable: executable, arguments: arguments(for: service, layout: layout), log: log)
    }

    /// Starts a process in its own session (so it outlives the CLI and a Ctrl-C in its terminal), output to `log`.
    public static func spawnDetached(
        executable: String, arguments: [String], log: String, environment: [String: String]? = nil
    ) throws -> Int32 {
        try spawn(
            executable: executable, arguments: arguments, standardOutput: log, standardError: nil,
            environment: environment, newSession: true)
    }

    /// posix_spawn with standard input from /dev/null, standard output appended to a file, and standard error to
    /// another file or (nil) the same one. Foundation's Process is not used: it learns of the child's exit through
    /// a socket the child inherits, so a child that leaves a daemon behind (podman start leaves conmon) never ends.
    static func spawn(
        executable: String, arguments: [String], standardOutput: String, standardError: String?,
        environment: [String: String]?, newSession: Bool
    ) throws -> Int32 {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with every signal at its default and none blocked: a parent that ignores SIGTERM
        // (swift-service-lifecycle does, to catch it through Dispatch) must not pass that on, or `down` could not
        // stop what `up` started.
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK) | (newSession ? posixSpawnSetSID : 0))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, standardOutput, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let standardError {
            posix_spawn_file_actions_addopen(&actions, 2, standardError, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { envp?.forEach { free($0) } }
        var pid: pid_t = 0
        let result =
            envp == nil
            ? posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
            : posix_spawn(&pid, executable, &actions, &attributes, argv, &envp!)
        guard result == 0 else {
            throw LaunchError(message: "posix_spawn \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// True for a running process; a zombie (exited, not yet reaped) counts as dead.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 else { return false }
        return ProcessStat.read(pid)?.state != "Z"
    }

    public static func ping(_ endpoint: String, context: Context, timeout: Duration = .seconds(1)) async -> PingOutput?
    {
        guard let client = try? await WireClient.connect(context: context, endpoint: endpoint) else { return nil }
        defer { client.close() }
        return try? await client.call(Control.ping, EmptyOutput(), timeout: timeout)
    }

    public static func waitUntilAnswering(_ endpoint: String, context: Context, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await ping(endpoint, context: context, timeout: .milliseconds(500)) != nil { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Waits until a TCP connection to `host:port` is accepted.
    static func waitUntilListening(host: String, port: Int, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        let target = host == "0.0.0.0" ? "127.0.0.1" : host
        while ContinuousClock.now < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr(target)
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            close(fd)
            if connected { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Stops every process: SIGTERM, then SIGKILL after `grace`.
    public static func down(dataDirectory: String, grace: Duration = .seconds(5)) async -> [String: String] {
        guard let state = TopologyState.load(dataDirectory: dataDirectory) else { return [:] }
        var outcome: [String: String] = [:]
        let ours = state.livePids
        for (service, pid) in ours {
            kill(pid, SIGTERM)
            outcome[service.rawValue] = "SIGTERM"
        }
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline, ours.values.contains(where: isAlive) {
            try? await Task.sleep(for: .milliseconds(50))
            reap(ours.values)
        }
        for (service, pid) in ours where isAlive(pid) {
            kill(pid, SIGKILL)
            outcome[service.rawValue] = "SIGKILL"
        }
        reap(ours.values)
        _ = try? TopologyState.update(layout: state.layout) { state in
            state.pids = [:]
            state.processes = nil
        }
        return outcome
    }

    /// SIGKILLs every process of the topology at once: for a signal handler, which cannot wait.
    public static func killAll(dataDirectory: String) {
        guard let state = TopologyState.load(dataDirectory: dataDirectory) else { return }
        for pid in state.livePids.values { kill(pid, SIGKILL) }
    }

    /// SIGKILLs every process of the topology and returns once none is alive (each reaped if it is our child), so
    /// a following `up` starts them all again rather than finding a dying one still there.
    public static func killAllAndWait(dataDirectory: String, timeout: Duration = .seconds(10)) async {
        guard let state = TopologyState.load(dataDirectory: dataDirectory) else { return }
        let pids = Array(state.livePids.values)
        for pid in pids { kill(pid, SIGKILL) }
        let deadline = ContinuousClock.now + timeout
        while pids.contains(where: { isAlive($0) }), ContinuousClock.now < deadline {
            reap(pids)
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Reaps those of `pids` that are exited children of this process (tests start the topology in-process).
    /// Never `waitpid(-1)`: that would steal the exit status of a child Foundation's `Process` waits for.
    public static func reap(_ pids: some Sequence<Int32>) {
        var status: Int32 = 0
        for pid in pids where pid > 0 { _ = waitpid(pid, &status, WNOHANG) }
    }

    public struct ProcessStatus: Codable, Sendable {
        public var name: String
        public var pid: Int32?
        public var endpoint: String
        public var health: String
    }

    public static func status(dataDirectory: String, context: Context) async -> [ProcessStatus]? {
        guard let state = TopologyState.load(dataDirectory: dataDirectory) else { return nil }
        var statuses: [ProcessStatus] = []
        for service in ServiceName.allCases {
            let pid = state.livePid(service)
            let endpoint = state.layout.endpoint(service)
            let health: String
            if !state.layout.runs(service) {
                health = "external"
            } else if pid != nil {
                health = await ping(endpoint, context: context) != nil ? "ok" : "unresponsive"
            } else {
                health = "not running"
            }
            statuses.append(
                ProcessStatus(
                    name: service.rawValue, pid: pid, endpoint: endpoint,
                    health: health))
        }
        return statuses
    }
}
