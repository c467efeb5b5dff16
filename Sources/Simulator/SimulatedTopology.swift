import APISimulator
import CallbackSender
import Experiments
import FaultInjection
import Logging
import NotificationLogger
import Orchestrator
import QueueBroker
import SeededRandom
import ServiceSupport
import Simulation
import Storage
import Synchronization
import Template
import Topology
import Wire
import ZeroMQ

/// The topology's five services (and the gateway's control operations) in this process, on one deterministic
/// executor: each is the same `ServiceParts` a real process serves, given in-memory databases that commit on
/// virtual time and can crash, links on a simulated network, a clock over virtual time and seeded randomness.
/// An `ExperimentTopology`, so the experiment runner, its workload, fault schedule, recorder and checker run on it
/// unchanged.
public final class SimulatedTopology: ExperimentTopology {
    public let executor: DeterministicExecutor
    public let trace: SimulationTrace
    public let network: SimulatedNetwork
    let launcher: Launcher
    let clockRate: Double
    let seed: UInt64
    let plantedBug: PlantedBug?
    /// The experiment runner's own place on the network.
    let runner = Incarnation(name: "runner", number: 1)
    private let state: Mutex<State>

    private struct State {
        var incarnations: [ServiceName: Incarnation] = [:]
        /// What each live incarnation opened, lost when it crashes.
        var storage: [ServiceName: [GroupCommitDatabase]] = [:]
        /// Each database file's content: the "disk", which outlives the incarnations.
        var disks: [String: DatabaseQueue] = [:]
        var random: SplitMix64
    }

    /// How long an fsync takes: from `fsyncMinimum` to `fsyncMinimum + fsyncJitter` seconds, seeded.
    let fsyncMinimum = 0.000_5
    let fsyncJitter = 0.002

    public init(
        executor: DeterministicExecutor, template: SAMTemplate, seed: UInt64, clockRate: Double,
        plantedBug: PlantedBug? = nil
    ) {
        self.plantedBug = plantedBug
        self.executor = executor
        self.seed = seed
        self.clockRate = clockRate
        launcher = Launcher(template: template)
        trace = SimulationTrace(executor: executor)
        network = SimulatedNetwork(
            executor: executor, trace: trace, seed: seed, processes: ServiceName.allCases.map(\.rawValue))
        state = Mutex(State(random: SplitMix64(seed: seed ^ 0x5EED_F00D)))
    }

    public var description: String { "a simulated topology (seed \(seed))" }

    public func caller(context: Context) -> any ServiceCaller { SimulatedCaller(network: network, runner: runner) }

    public var runnerClock: any WallClock { executor.clock() }
    public var leavesThingsBehind: Bool { false }

    // MARK: Processes

    public func start(context: Context) async throws {
        for service in ServiceName.allCases { try await start(service) }
        try await Deployment(template: launcher.template).apply(
            through: caller(context: context), running: { _ in true })
    }

    /// Starts a new incarnation of `service` on what its earlier ones committed.
    func start(_ service: ServiceName) async throws {
        let number = state.withLock { ($0.incarnations[service]?.number ?? 0) + 1 }
        let incarnation = Incarnation(name: service.rawValue, number: number)
        let clock = executor.clock(rate: service.followsTopologyClock ? clockRate : 1)
        let environment = environment(of: service, incarnation: incarnation)
        state.withLock {
            $0.incarnations[service] = incarnation
            $0.storage[service] = []
        }
        trace.note("start \(service.rawValue) #\(number)")
        let parts = try await parts(of: service, clock: clock, in: environment)
        let router = ServiceHost.withControlOperations(
            parts.router, service: service.rawValue, endpoint: "sim://\(service.rawValue)", clock: clock,
            faults: environment.faults, disk: service == .awsGateway ? nil : environment.disk)
        network.serve(router, as: incarnation)
        for loop in parts.loops {
            incarnation.run { try? await loop.body() }
        }
    }

    /// The process's death: its tasks stop, what it had not committed is lost, and so are the link rules it held
    /// in memory.
    func crash(_ service: ServiceName) {
        let (incarnation, storage) = state.withLock { state in
            defer { state.storage[service] = [] }
            return (state.incarnations[service], state.storage[service] ?? [])
        }
        trace.note("crash \(service.rawValue)")
        incarnation?.crash()
        for database in storage { database.crash() }
        network.faults(of: service.rawValue)?.clear()
    }

    /// Each database file's schema, migrated once per process: a new seed's disk is a copy (SQLite's backup), not
    /// a new migration — migrating five databases took a tenth of a seed's time.
    private static let migrated = Mutex<[String: DatabaseQueue]>([:])

    /// Disks of finished seeds, emptied, by file: a seed takes one before copying a new one, for its connection
    /// keeps the statements the services compiled (compiling them again, with GRDB's authorizer, was a fifth of
    /// a small seed's time). Emptied is as fresh: the schema's tables hold no rows when migrated.
    private static let retired = Mutex<[String: [DatabaseQueue]]>([:])

    static func freshDisk(_ file: String, _ migrator: DatabaseMigrator) throws -> DatabaseQueue {
        if let disk = retired.withLock({ $0[file]?.popLast() }) { return disk }
        let template = try migrated.withLock { migrated in
            if let template = migrated[file] { return template }
            let template = try Store.inMemory(migrator: migrator)
            migrated[file] = template
            return template
        }
        let disk = try DatabaseQueue()
        try template.backup(to: disk)
        return disk
    }

    /// How many emptied disks wait for a seed; `discardRetiredDisks` lets a test start from fresh copies.
    static var retiredDiskCount: Int { retired.withLock { $0.values.map(\.count).reduce(0, +) } }
    static func discardRetiredDisks() { retired.withLock { $0.removeAll() } }

    /// The tables a seed's rows are in: all but SQLite's own and GRDB's record of the migrations run.
    private static func dataTables(_ db: Database) throws -> [String] {
        try String.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT name FROM sqlite_master
                    WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations' ORDER BY name
                    """))
    }

    /// Whether each file's schema, as migrated, holds no rows (so an emptied disk is a fresh one).
    private static let migratedEmpty = Mutex<[String: Bool]>([:])

    private static func migratesEmpty(_ file: String) -> Bool {
        if let known = migratedEmpty.withLock({ $0[file] }) { return known }
        let empty =
            (try? migrated.withLock { $0[file] }?.inDatabase { db in
                try dataTables(db).allSatisfy { table in
                    try !Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(table.quotedDatabaseIdentifier))")!
                }
            }) ?? false
        migratedEmpty.withLock { $0[file] = empty }
        return empty
    }

    /// Once the run is over and nothing it started is left to run: its disks are emptied and kept for the next
    /// seeds. A disk whose schema came with rows (none today) is not kept: emptying it would not make it fresh.
    func retireDisks() {
        let disks = state.withLock { state in
            defer { state.disks = [:] }
            return state.disks
        }
        for (file, disk) in disks where Self.migratesEmpty(file) {
            let emptied = try? disk.inDatabase { db -> Bool in
                guard !db.isInsideTransaction else { return false }
                for table in try Self.dataTables(db) {
                    try db.executeCached(sql: "DELETE FROM \(table.quotedDatabaseIdentifier)")
                }
                if try db.tableExists("sqlite_sequence") { try db.executeCached(sql: "DELETE FROM sqlite_sequence") }
                return true
            }
            if emptied == true { Self.retired.withLock { $0[file, default: []].append(disk) } }
        }
    }

    func environment(of service: ServiceName, incarnation: Incarnation) -> ProcessEnvironment {
        let name = service.rawValue
        let incarnationSeed = state.withLock { $0.random.next() }
        let slowDisk = CommitDelay()
        return ProcessEnvironment(
            process: name,
            database: { [self] file, migrator in
                let disk = try state.withLock { state in
                    if let disk = state.disks[file] { return disk }
                    let disk = try Self.freshDisk(file, migrator)
                    state.disks[file] = disk
                    return disk
                }
                let storage = GroupCommitDatabase(
                    disk,
                    driver: .inline(commitLater: { [self] commit in
                        let fsync = state.withLock {
                            fsyncMinimum + fsyncJitter * Double($0.random.next() % 1_000_000) / 1_000_000
                        }
                        // A slow-disk fault makes every fsync of the process take that much longer.
                        executor.schedule(at: executor.now + fsync + slowDisk.seconds) {
                            guard incarnation.isAlive else { return }
                            self.trace.note("commit \(name) \(file)")
                            commit()
                        }
                    }))
                state.withLock { $0.storage[service, default: []].append(storage) }
                return storage
            },
            connect: { [network, plantedBug] to, endpoint in
                let link = network.link(from: incarnation, to: to ?? endpoint)
                return plantedBug == .outboxWithoutIdempotencyKeys && service == .orchestrator
                    ? KeylessCaller(link: link) : link
            },
            random: SeededRandomSource(seed: incarnationSeed), realClock: executor.clock(),
            faults: network.faults(of: name) ?? LinkFaultInjector(process: name), disk: slowDisk,
            logger: Logger(label: name, factory: { [trace] _ in TraceLogHandler(trace: trace, process: name) }))
    }

    /// The service as its process would assemble it, from the template as `up` would configure it.
    func parts(of service: ServiceName, clock: any WallClock, in environment: ProcessEnvironment) async throws
        -> ServiceParts
    {
        let template = launcher.template
        let (invokable, subscribed) = launcher.functionHosts()
        let functions = invokable.mapValues { "\($0.rawValue)@sim" }
        let timeouts = launcher.functionTimeouts.filter { invokable[$0.key] != nil }
        let configuration = EngineConfiguration(region: template.region, accountId: template.accountId)
        switch service {
        case .orchestrator:
            var options = OrchestratorService.Options(
                dataDirectory: "", endpoint: "", queueBroker: "sim", functions: functions, clock: clock,
                configuration: configuration)
            options.functionTimeouts = timeouts
            return try await OrchestratorService.parts(options, in: environment)
        case .queueBroker:
            return try await QueueBrokerService.parts(
                .init(
                    dataDirectory: "", endpoint: "", functions: subscribed.mapValues { "\($0.rawValue)@sim" },
                    clock: clock, region: template.region, accountId: template.accountId),
                in: environment)
        case .apiSimulator:
            let consumer = launcher.consumer
            var options = APISimulatorService.Options(
                dataDirectory: "", endpoint: "", queueBroker: "sim", functions: functions,
                queueName: consumer?.queue ?? "", stateMachineName: consumer?.stateMachine ?? "",
                batchSize: consumer?.batchSize ?? 10, clock: clock, configuration: configuration)
            options.functionTimeouts = timeouts
            return try await APISimulatorService.parts(options, in: environment)
        case .callbackSender:
            return try await CallbackSenderService.parts(
                .init(
                    dataDirectory: "", endpoint: "", orchestrator: "sim", clock: clock,
                    timeout: launcher.hostedTimeout(of: .callbackSender) ?? LambdaRuntime.defaultTimeout),
                in: environment)
        case .notificationLogger:
            var options = NotificationLoggerService.Options(
                dataDirectory: "", endpoint: "", region: template.region, accountId: template.accountId,
                clock: clock, timeout: launcher.hostedTimeout(of: .notificationLogger) ?? LambdaRuntime.defaultTimeout)
            options.logFile = nil
            return try await NotificationLoggerService.parts(options, in: environment)
        case .awsGateway:
            // Nothing calls the gateway's AWS APIs here; it answers the control operations every process does.
            return ServiceParts(router: WireRouter())
        }
    }

    // MARK: Faults

    public func kill(_ service: ServiceName, restartAfter: Duration, context: Context) async throws {
        crash(service)
        try? await runnerClock.sleep(for: restartAfter)
        try await start(service)
    }

    public func pause(_ service: ServiceName, for duration: Duration) async throws {
        network.pause(service.rawValue)
        try? await runnerClock.sleep(for: duration)
        network.resume(service.rawValue)
    }

    public var networkFaultsUnavailable: String? { nil }

    public func impose(_ fault: NetworkFault) async throws { setLoss(fault, lifted: false) }
    public func lift(_ fault: NetworkFault) async throws { setLoss(fault, lifted: true) }
    public func droppedPackets(_ fault: NetworkFault) -> Int? { nil }

    private func setLoss(_ fault: NetworkFault, lifted: Bool) {
        switch fault {
        case .partition(let a, let b):
            network.setLoss(a.rawValue, b.rawValue, probability: lifted ? 0 : 1)
        case .loss(let a, let b, let probability):
            network.setLoss(a.rawValue, b.rawValue, probability: lifted ? 0 : probability)
        case .isolation(let target):
            for other in ServiceName.allCases.map(\.rawValue) + [runner.name] where other != target.rawValue {
                network.setLoss(target.rawValue, other, probability: lifted ? 0 : 1)
            }
        }
    }

    /// Ends every process's life, so nothing of this run is left running on the executor.
    public func stop(passed: Bool) async {
        for service in ServiceName.allCases { crash(service) }
    }

    public func abandon() {}
}

/// The runner's calls, over its own links.
struct SimulatedCaller: ServiceCaller {
    let network: SimulatedNetwork
    let runner: Incarnation

    func call(_ service: ServiceName, _ address: OperationName, body: [UInt8], timeout: Duration) async throws
        -> [UInt8]
    {
        try await network.link(from: runner, to: service.rawValue).call(address, body: body, timeout: timeout)
    }
}

/// A bug put in on purpose, to see the simulator and the checker find it.
public enum PlantedBug: String, Sendable, CaseIterable {
    /// The orchestrator's integration calls leave without their idempotency keys, so a call retried after a lost
    /// reply is done twice (the transactional outbox without its deterministic key).
    case outboxWithoutIdempotencyKeys = "outbox-without-idempotency-keys"
}

/// Calls that lose their idempotency key on the way.
struct KeylessCaller: OperationCaller {
    let link: SimulatedLink

    func call(_ address: OperationName, body: [UInt8], timeout: Duration) async throws -> [UInt8] {
        try await link.call(address, body: body, timeout: timeout)
    }

    func call(
        _ address: OperationName, body: [UInt8], timeout: Duration, idempotencyKey: String?, scope: Scope?
    ) async throws -> [UInt8] {
        try await link.call(address, body: body, timeout: timeout, idempotencyKey: nil, scope: scope)
    }
}

/// A service's `trace`-level log lines, in the simulation's trace (timers firing, …); other levels are dropped, so
/// what a process logs for its operator never changes a trace.
struct TraceLogHandler: LogHandler {
    let trace: SimulationTrace
    let process: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.level == .trace else { return }
        trace.note("\(process) \(event.message)")
    }
}
