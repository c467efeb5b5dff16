import FaultInjection
import Foundation
import Glibc
import Topology
import Wire

/// Each of the six processes on a "host" of its own: a network namespace joined to the others by a veth pair
/// and a bridge in a sixth ("switch") namespace. The experiment runner reaches every host through one more veth
/// from its own namespace. Partitions and packet loss are made in the kernel (link down, iptables DROP), so the
/// processes see what a real network failure looks like: silence, not an error.
///
/// Needs root (CAP_NET_ADMIN), iproute2 and iptables. This kernel has no netem (see README), so delay stays a
/// transport-layer (link) fault.
public struct NetworkLab: Sendable {
    /// Names carry the owning process's pid, so a later run can tell leftovers of a dead run from a live one.
    public let owner: Int32
    /// The /24 the lab uses: 10.77.`subnet`.0.
    public let subnet: Int
    public static let prefix = "cbs"
    static let port = 7000

    public struct LabError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    var switchNamespace: String { "\(Self.prefix)-\(owner)-switch" }
    public func namespace(_ service: ServiceName) -> String { "\(Self.prefix)-\(owner)-\(service.rawValue)" }
    /// Interface names have at most 15 characters: "cb" + pid (≤ 7 digits) + "-" + index.
    func switchPort(_ index: Int) -> String { "cb\(owner)-\(index)" }
    var hostInterface: String { "cb\(owner)-h" }
    public func address(_ service: ServiceName) -> String { "10.77.\(subnet).\(10 + service.portOffset)" }
    var hostAddress: String { "10.77.\(subnet).254" }

    /// Checks the tools and the privilege before anything is made, with a message that says what is missing.
    public static func checkPrerequisites() throws {
        guard getuid() == 0 else {
            throw LabError(message: "network faults (partition, loss) need root: they create network namespaces")
        }
        for tool in ["ip", "iptables"] where Command.which(tool) == nil {
            throw LabError(
                message: "network faults need `\(tool)`: apt-get install -y iproute2 iptables (make deps does it)")
        }
    }

    /// Makes the namespaces, the bridge and the veth pairs; on any failure removes what it made.
    public static func create(owner: Int32 = getpid()) throws -> NetworkLab {
        try checkPrerequisites()
        sweepLeftovers()
        let lab = NetworkLab(owner: owner, subnet: try freeSubnet())
        do {
            try lab.build()
        } catch {
            lab.destroy()
            throw error
        }
        return lab
    }

    func build() throws {
        try Command.run("ip", "netns", "add", switchNamespace)
        try Command.run("ip", "-n", switchNamespace, "link", "add", "br0", "type", "bridge")
        try Command.run("ip", "-n", switchNamespace, "link", "set", "br0", "up")
        for (index, service) in ServiceName.allCases.enumerated() {
            let namespace = namespace(service)
            try Command.run("ip", "netns", "add", namespace)
            try Command.run(
                "ip", "link", "add", switchPort(index), "type", "veth", "peer", "name", "eth0", "netns", namespace)
            try Command.run("ip", "link", "set", switchPort(index), "netns", switchNamespace)
            try Command.run("ip", "-n", switchNamespace, "link", "set", switchPort(index), "master", "br0")
            try Command.run("ip", "-n", switchNamespace, "link", "set", switchPort(index), "up")
            try Command.run("ip", "-n", namespace, "link", "set", "lo", "up")
            try Command.run("ip", "-n", namespace, "addr", "add", address(service) + "/24", "dev", "eth0")
            try Command.run("ip", "-n", namespace, "link", "set", "eth0", "up")
        }
        // The runner's own leg: its end stays in this namespace, the peer joins the bridge.
        try Command.run(
            "ip", "link", "add", hostInterface, "type", "veth", "peer", "name", "uplink", "netns", switchNamespace)
        try Command.run("ip", "-n", switchNamespace, "link", "set", "uplink", "master", "br0")
        try Command.run("ip", "-n", switchNamespace, "link", "set", "uplink", "up")
        try Command.run("ip", "addr", "add", hostAddress + "/24", "dev", hostInterface)
        try Command.run("ip", "link", "set", hostInterface, "up")
    }

    /// A TCP layout on the lab's addresses, each process started inside its namespace.
    public func layout(dataDirectory: String) -> TopologyLayout {
        var layout = TopologyLayout(
            dataDirectory: dataDirectory,
            endpoints: Dictionary(
                uniqueKeysWithValues: ServiceName.allCases.map { ($0, "tcp://\(address($0)):\(Self.port)") }))
        layout.networkNamespaces = Dictionary(
            uniqueKeysWithValues: ServiceName.allCases.map { ($0.rawValue, namespace($0)) })
        return layout
    }

    // MARK: Faults

    public func impose(_ fault: NetworkFault) throws { try switchFault(fault, on: true) }

    public func lift(_ fault: NetworkFault) throws { try switchFault(fault, on: false) }

    func switchFault(_ fault: NetworkFault, on: Bool) throws {
        switch fault {
        case .partition(let a, let b): try filter(a, b).set(on, probability: nil)
        case .loss(let a, let b, let probability): try filter(a, b).set(on, probability: probability)
        case .isolation(let service):
            try Command.run("ip", "-n", switchNamespace, "link", "set", switchPort(index(service)), on ? "down" : "up")
        }
    }

    /// Packets the kernel has dropped so far for a fault between two processes (its DROP rules' counters);
    /// nil for an isolation, which no rule counts.
    public func droppedPackets(_ fault: NetworkFault) -> Int? {
        guard let (a, b) = fault.pair else { return nil }
        return filter(a, b).droppedPackets()
    }

    func index(_ service: ServiceName) -> Int { ServiceName.allCases.firstIndex(of: service) ?? 0 }

    /// The rules for a fault between `a` and `b` live in `a`'s namespace.
    func filter(_ a: ServiceName, _ b: ServiceName) -> PacketFilter {
        PacketFilter(enter: ["ip", "netns", "exec", namespace(a)], peer: address(b))
    }

    // MARK: Cleanup

    /// Kills whatever still runs inside the lab's namespaces and deletes them; deleting the switch namespace takes
    /// the bridge and every veth pair with it. Never throws: it is called on the way out, also after a failure.
    public func destroy() {
        Self.remove(namespaces: Self.namespaces().filter { $0.hasPrefix("\(Self.prefix)-\(owner)-") })
    }

    /// Removes the namespaces of earlier runs whose owner is dead (a runner killed with SIGKILL cleans up nothing).
    public static func sweepLeftovers() {
        let stale = namespaces().filter { name in
            let parts = name.split(separator: "-")
            guard parts.count >= 3, parts[0] == Substring(prefix), let pid = Int32(parts[1]) else { return false }
            return !Launcher.isAlive(pid)
        }
        remove(namespaces: stale)
    }

    static func remove(namespaces names: [String]) {
        let killed = names.flatMap(pids(in:))
        for pid in killed { kill(pid, SIGKILL) }
        for _ in 0..<100 where killed.contains(where: Launcher.isAlive) { usleep(10_000) }
        Launcher.reap(killed)
        for name in names { try? Command.run("ip", "netns", "del", name) }
    }

    /// The processes running inside a namespace.
    public static func pids(in namespace: String) -> [Int32] {
        let listing = (try? Command.output("ip", "netns", "pids", namespace)) ?? ""
        return listing.split(whereSeparator: \.isNewline).compactMap { Int32($0) }
    }

    public static func namespaces() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []).sorted()
    }

    /// The first 10.77.N.0/24 that no interface of this namespace already uses.
    static func freeSubnet() throws -> Int {
        let used = (try? Command.output("ip", "-4", "-o", "addr", "show")) ?? ""
        guard let free = (1...250).first(where: { !used.contains("10.77.\($0).") }) else {
            throw LabError(message: "no free 10.77.N.0/24 subnet for the network lab")
        }
        return free
    }
}

/// iptables DROP rules in one network namespace against one peer: its OUTPUT to the peer and its INPUT from it
/// cover both directions. Every packet (a partition) or each with a probability (loss).
public struct PacketFilter: Sendable {
    /// How to run a command inside the namespace (`ip netns exec NAME`, `nsenter -t PID -n`).
    let enter: [String]
    let peer: String

    public init(enter: [String], peer: String) {
        self.enter = enter
        self.peer = peer
    }

    public func set(_ on: Bool, probability: Double?) throws {
        let verb = on ? "-A" : "-D"
        let random =
            probability.map { ["-m", "statistic", "--mode", "random", "--probability", String(format: "%.4f", $0)] }
            ?? []
        try Command.run(enter + ["iptables", verb, "OUTPUT", "-d", peer] + random + ["-j", "DROP"])
        try Command.run(enter + ["iptables", verb, "INPUT", "-s", peer] + random + ["-j", "DROP"])
    }

    /// What the rules' counters say the kernel dropped so far.
    public func droppedPackets() -> Int {
        var total = 0
        for chain in ["INPUT", "OUTPUT"] {
            let listing = (try? Command.output(enter + ["iptables", "-L", chain, "-v", "-x", "-n"])) ?? ""
            for line in listing.split(whereSeparator: \.isNewline) {
                let columns = line.split(separator: " ")
                guard columns.count > 8, columns[2] == "DROP", columns[7...8].contains(Substring(peer)),
                    let packets = Int(columns[0])
                else { continue }
                total += packets
            }
        }
        return total
    }
}
