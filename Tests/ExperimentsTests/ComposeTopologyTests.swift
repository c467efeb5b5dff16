import FaultInjection
import JSON
import Testing
import Topology
import Wire

@testable import Experiments

@Suite struct ComposeTopologyTests {
    let topology: ComposeTopology

    init() throws {
        topology = try ComposeTopology(
            engine: .init(tool: "podman", compose: ["docker-compose"], environment: [:], runsHealthChecks: false),
            file: "/repo/docker-compose.yml", clockRate: 10)
    }

    @Test func everyServiceHasAFixedAddressOnTheRunsOwnSubnetAndTheRunnerReachesItThere() throws {
        let override = topology.override()
        let subnet = try #require(
            override["networks"]?["default"]?["ipam"]?["config"]?.arrayValue?.first?["subnet"]?.stringValue)
        #expect(subnet.hasPrefix("10.79.") && subnet.hasSuffix(".0/24"))
        for service in ServiceName.allCases {
            let address = try #require(
                override["services"]?[service.rawValue]?["networks"]?["default"]?["ipv4_address"]?.stringValue)
            #expect(address.hasPrefix(String(subnet.dropLast(4))))
            #expect(topology.layout.endpoint(service).hasPrefix("tcp://\(address):"))
        }
        #expect(topology.layout.endpoint(.orchestrator).hasSuffix(":7101"))
        #expect(topology.project.hasPrefix("cbx") && topology.project == topology.project.lowercased())
    }

    /// The five services share the experiment's clock; the gateway keeps real time for SigV4.
    @Test func theExperimentsClockReachesTheServicesAsVariables() throws {
        let services = try #require(topology.override()["services"])
        for service in ServiceName.allCases where service != .awsGateway {
            #expect(services[service.rawValue]?["environment"]?["CALLBACKSIM_CLOCK_RATE"] == "10.0")
            #expect(services[service.rawValue]?["environment"]?["CALLBACKSIM_CLOCK_EPOCH"]?.stringValue != nil)
        }
        #expect(services["aws-gateway"]?["environment"]?.objectValue?.isEmpty == true)
    }

    @Test func aPartitionDisconnectsEveryContainerItNamesAndLossNone() {
        #expect(topology.disconnected(.partition(.orchestrator, .queueBroker)) == [.orchestrator, .queueBroker])
        #expect(topology.disconnected(.isolation(.apiSimulator)) == [.apiSimulator])
        #expect(topology.disconnected(.loss(.orchestrator, .queueBroker, probability: 0.1)).isEmpty)
    }
}
