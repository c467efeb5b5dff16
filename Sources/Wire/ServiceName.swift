/// The six processes of the topology: the five services, and the gateway that speaks AWS's HTTP APIs for them.
public enum ServiceName: String, CaseIterable, Codable, Sendable {
    case queueBroker = "queue-broker"
    case orchestrator = "orchestrator"
    case callbackSender = "callback-sender"
    case notificationLogger = "notification-logger"
    case apiSimulator = "api-simulator"
    case awsGateway = "aws-gateway"

    /// Whether the process runs on the topology's (possibly fast) clock; see `TopologyLayout.setClockRate`.
    public var followsTopologyClock: Bool { self != .awsGateway }
}
