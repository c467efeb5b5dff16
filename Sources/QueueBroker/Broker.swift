import Formats
import Foundation
import JSON
import Logging
import SeededRandom
import ServiceSupport
import Storage
import Synchronization
import Wire

/// SQS and SNS in one process, state in SQLite: queues with visibility timeouts, receipt handles, receive counts
/// and redrive to a dead-letter queue; topics whose subscriptions fan messages out to queues or to functions.
///
/// Every queue and topic belongs to a region and an account: a request made through the gateway in another
/// region or account sees its own resources, as on AWS. Requests that name none are in the broker's own.
public final class Broker: Sendable {
    public static let defaultVisibilityTimeout = 30
    public static let defaultRetentionPeriod = 345_600
    public static let maximumMessageBytes = 1_048_576
    public static let snsMessageLimit = 262_144
    static let fifoDeduplicationWindow = 300.0
    /// How long a request's idempotency key answers retries with the first reply, in real seconds: a caller's
    /// outbox retries on real time (its back-off and a restart take real seconds whatever the workflow clock's
    /// rate), so a fast clock must not shorten it.
    static let idempotencyWindow = 3600.0
    /// AWS refuses a queue of the same name for 60 seconds after DeleteQueue, and a second purge within 60.
    static let deletedQueueQuarantine = 60.0

    let database: GroupCommitDatabase
    let clock: any WallClock
    /// Message ids, receipt handles and subscription ARNs: seeded in a simulation.
    let random: any RandomSource
    /// Real time, for what must not run fast with `clock` (the idempotency window).
    let realClock: any WallClock
    let region: String
    let accountId: String
    /// Where the AWS gateway is reached: queue URLs point there (`http://localhost:4566/<account>/<name>`).
    let gatewayUrl: String
    let logger: Logger
    let arrivals = Mutex<[String: Broadcast]>([:])
    let queueRecords = QueueRecords()
    /// SNS's pushes, each attempted on its own until delivered or out of retries.
    let deliveries: Scheduler<Broker.DueDelivery>
    let moveWakeup = Wakeup()

    public convenience init(
        database: any DatabaseWriter, clock: any WallClock, region: String = "us-east-1",
        accountId: String = "000000000000", gatewayUrl: String = "http://localhost:4566", logger: Logger,
        realClock: any WallClock = SystemWallClock(), random: any RandomSource = SystemRandomSource()
    ) {
        self.init(
            storage: GroupCommitDatabase(database), clock: clock, region: region, accountId: accountId,
            gatewayUrl: gatewayUrl, logger: logger, realClock: realClock, random: random)
    }

    /// A broker on `storage`: a simulation's, which commits when the simulation says.
    public init(
        storage: GroupCommitDatabase, clock: any WallClock, region: String = "us-east-1",
        accountId: String = "000000000000", gatewayUrl: String = "http://localhost:4566", logger: Logger,
        realClock: any WallClock = SystemWallClock(), random: any RandomSource = SystemRandomSource()
    ) {
        self.database = storage
        self.clock = clock
        self.random = random
        self.realClock = realClock
        self.region = region
        self.accountId = accountId
        self.gatewayUrl = gatewayUrl
        self.logger = logger
        deliveries = Scheduler("deliveries", clock: clock, logger: logger)
    }

    public static func openDatabase(path: String) throws -> DatabasePool {
        try Store.open(path: path, migrator: BrokerSchema.migrator)
    }

    public static func inMemoryDatabase() throws -> DatabaseQueue {
        try Store.inMemory(migrator: BrokerSchema.migrator)
    }

    /// Wakes long polls waiting on a queue (keyed by its ARN).
    func arrivalSignal(_ queueArn: String) -> Broadcast {
        arrivals.withLock { table in
            if let existing = table[queueArn] { return existing }
            let created = Broadcast()
            table[queueArn] = created
            return created
        }
    }

    // MARK: Where a request was made

    /// The caller's region and account: the gateway's SigV4 scope, else the broker's own.
    func scope(of request: WireRequest) -> Scope {
        request.header.scope ?? Scope(region: region, account: accountId)
    }

    var ownScope: Scope { Scope(region: region, account: accountId) }

    func topicArn(_ name: String, _ scope: Scope) -> String { "arn:aws:sns:\(scope.region):\(scope.account):\(name)" }

    // MARK: Idempotency

    /// Runs `body` at most once per idempotency key: a repeat gets the first reply.
    func idempotent(_ key: String?, _ db: Database, _ body: () throws -> [UInt8]) throws -> [UInt8] {
        guard let key else { return try body() }
        if let recorded = try String.fetchOne(
            db.cachedStatement(sql: "SELECT reply FROM idempotency WHERE key = ?"), arguments: [key])
        {
            return Array(recorded.utf8)
        }
        let reply = try body()
        try db.executeCached(
            sql: "INSERT INTO idempotency (key, reply, created) VALUES (?, ?, ?)",
            arguments: [key, String(decoding: reply, as: UTF8.self), realClock.now()])
        return reply
    }

    // MARK: Housekeeping

    /// Forgets idempotency keys, FIFO deduplication ids and deleted queues past their windows, every 30 seconds.
    public func runHousekeeping() async {
        while !Task.isCancelled {
            try? await runHousekeepingOnce()
            try? await realClock.sleep(for: .seconds(30))
        }
    }

    func runHousekeepingOnce() async throws {
        let now = clock.now()
        let realNow = realClock.now()
        try await database.write { db in
            try db.executeCached(
                sql: "DELETE FROM idempotency WHERE created < ?", arguments: [realNow - Self.idempotencyWindow])
            try db.executeCached(sql: "DELETE FROM fifo_deduplication WHERE expires < ?", arguments: [now])
            try db.executeCached(
                sql: "DELETE FROM deleted_queues WHERE deleted < ?", arguments: [now - Self.deletedQueueQuarantine])
        }
    }
}

/// A queue's identity: `arn:aws:sqs:<region>:<account>:<name>`, the key of its rows.
public struct QueueAddress: Hashable, Sendable {
    public var region: String
    public var account: String
    public var name: String

    public var arn: String { "arn:aws:sqs:\(region):\(account):\(name)" }
    public var isFifo: Bool { name.hasSuffix(".fifo") }

    public init(region: String, account: String, name: String) {
        self.region = region
        self.account = account
        self.name = name
    }

    public init?(arn: String) {
        let parts = ARN.fields(arn)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "sqs", !parts[5].isEmpty else { return nil }
        self.init(region: String(parts[3]), account: String(parts[4]), name: String(parts[5]))
    }

    /// The queue a URL names. SQS takes any host; the account and name are the path's last two parts, and the
    /// region the host's when it is AWS's (`sqs.eu-west-1.amazonaws.com`), else the caller's.
    public init(url: String, scope: Scope) throws(AWSError) {
        // On UTF-8 bytes: every queue operation parses its URL, and splitting by Characters cost the broker 1%.
        var rest = Substring(url).utf8
        let slash = UInt8(ascii: "/")
        if let scheme = rest.indices.first(where: { rest[$0...].starts(with: "://".utf8) }) {
            rest = rest[rest.index(scheme, offsetBy: 3)...]
        }
        let host = rest.split(separator: slash, maxSplits: 1).first.map { String(Substring($0)) } ?? ""
        let path = rest.split(separator: slash).dropFirst().map { String(Substring($0)) }
        guard let name = path.last, !name.isEmpty else {
            throw AWSError("QueueDoesNotExist", "The specified queue does not exist.")
        }
        let candidate = path.count >= 2 ? path[path.count - 2] : ""
        let account =
            candidate.utf8.count == 12 && candidate.utf8.allSatisfy({ (0x30...0x39).contains($0) })
            ? candidate : scope.account
        var region = scope.region
        let hostParts =
            host.utf8.split(separator: UInt8(ascii: ":")).first?.split(separator: UInt8(ascii: "."))
            .map { String(Substring($0)) } ?? []
        if hostParts.count >= 4, hostParts[0] == "sqs", hostParts.last == "com" {
            region = hostParts[1]
        } else if hostParts.count >= 4, hostParts[1] == "queue", hostParts.last == "com" {
            region = hostParts[0]
        } else if path.count >= 4, path[path.count - 4] == "queue" {
            region = path[path.count - 3]  // LocalStack's path style: /queue/<region>/<account>/<name>
        }
        self.init(region: region, account: account, name: name)
    }
}
