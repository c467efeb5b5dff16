import Testing

@testable import Topology

/// Topologies started together (a sweep's seeds, parallel tests) each get a gateway port of their own, from outside
/// the range the kernel hands to outgoing connections.
@Suite struct FreePortTests {
    @Test func portsHandedOutAreDistinctAndBelowTheEphemeralRange() {
        let ports = (0..<200).map { _ in TopologyLayout.freeTCPPort() }
        #expect(Set(ports).count == ports.count)
        #expect(ports.allSatisfy { (20_000..<32_768).contains($0) })
    }
}
