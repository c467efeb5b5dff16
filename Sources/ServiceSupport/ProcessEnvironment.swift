import Logging
import SeededRandom
import Storage
import Wire
import ZeroMQ

/// What a service's code is given by where it runs: its database, its clients to the other processes, its
/// randomness and its logger. A process gets real ones (SQLite files in its data directory, ZeroMQ, the system's
/// randomness); a simulation gives in-memory databases that commit on virtual time, simulated links and a seed.
/// The service itself (`ServiceParts`) is the same code in both.
public struct ProcessEnvironment: Sendable {
    public let process: String
    /// Opens (or creates) the process's database `file`, migrated by `migrator`.
    public let database: @Sendable (_ file: String, _ migrator: DatabaseMigrator) throws -> GroupCommitDatabase
    /// A client to the process `service` listening at `endpoint`; its requests meet `faults`.
    public let connect: @Sendable (_ service: String?, _ endpoint: String) async throws -> any OperationCaller
    public let random: any RandomSource
    /// Real time, unskewed and at rate 1, for what must not run fast with the workflow clock: the system's in a
    /// process, virtual time in a simulation.
    public let realClock: any WallClock
    /// The process's link faults: its clients apply them, its control operations set them.
    public let faults: LinkFaultInjector
    /// The process's slow-disk fault: its databases' commits wait this long more (SetCommitDelay sets it).
    public let disk: CommitDelay
    public let logger: Logger

    public init(
        process: String,
        database: @escaping @Sendable (String, DatabaseMigrator) throws -> GroupCommitDatabase,
        connect: @escaping @Sendable (String?, String) async throws -> any OperationCaller,
        random: any RandomSource, realClock: any WallClock, faults: LinkFaultInjector,
        disk: CommitDelay = CommitDelay(),
        logger: Logger
    ) {
        self.disk = disk
        self.realClock = realClock
        self.process = process
        self.database = database
        self.connect = connect
        self.random = random
        self.faults = faults
        self.logger = logger
    }

    /// A real process: SQLite files under `dataDirectory`, ZeroMQ clients on `context`.
    public static func process(_ name: String, dataDirectory: String, context: Context) -> ProcessEnvironment {
        let faults = LinkFaultInjector(process: name)
        let disk = CommitDelay()
        return ProcessEnvironment(
            process: name,
            database: { file, migrator in
                GroupCommitDatabase(
                    try Store.open(path: dataDirectory + "/" + file, migrator: migrator), commitDelay: disk,
                    commitsQuietWritesInPlace: true)
            },
            connect: { service, endpoint in
                try await WireClient.connect(
                    context: context, endpoint: endpoint, service: service, interceptor: faults)
            },
            random: SystemRandomSource(), realClock: SystemWallClock(), faults: faults, disk: disk,
            logger: Logger(label: name))
    }

    /// A client for a `service@endpoint` value (as `--function` gives them).
    public func connect(_ value: String) async throws -> any OperationCaller {
        let (service, endpoint) = splitServiceEndpoint(value)
        return try await connect(service, endpoint)
    }
}

/// A service apart from its IO: the operations it answers and the loops it runs. A process serves them on a
/// ZeroMQ socket (`ServiceHost.serve`); a simulation on its simulated network.
public struct ServiceParts: Sendable {
    public var router: WireRouter
    public var loops: [LoopService]

    public init(router: WireRouter, loops: [LoopService] = []) {
        self.router = router
        self.loops = loops
    }
}

/// What every service's options hold: where its data lives, where it listens, the clock it runs on.
public protocol ServiceOptions: Sendable {
    var dataDirectory: String { get }
    var endpoint: String { get }
    var clock: any WallClock { get }
}

/// One of the topology's services: its options, and its parts made from them in an environment. Run as a process
/// by `run`; in a simulation, its `parts` are served on the simulated network.
public protocol ServiceDefinition {
    associatedtype Options: ServiceOptions
    /// The process's name: its logger's label, its link faults' sender.
    static var processName: String { get }
    static func parts(_ options: Options, in environment: ProcessEnvironment) async throws -> ServiceParts
}

extension ServiceDefinition {
    /// The service as a process: SQLite files in its data directory, ZeroMQ, served until a signal stops it.
    public static func run(_ options: Options) async throws {
        let context = Context()
        let environment = ProcessEnvironment.process(
            processName, dataDirectory: options.dataDirectory, context: context)
        try await ServiceHost.serve(
            try await parts(options, in: environment), endpoint: options.endpoint, context: context,
            clock: options.clock, environment: environment, dataDirectory: options.dataDirectory)
    }
}
