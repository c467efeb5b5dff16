// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "callbacksim",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "callbacksim", targets: ["callbacksim"]),
        .executable(name: "orchestrator", targets: ["orchestrator"]),
        .executable(name: "queue-broker", targets: ["queue-broker"]),
        .executable(name: "api-simulator", targets: ["api-simulator"]),
        .executable(name: "callback-sender", targets: ["callback-sender"]),
        .executable(name: "notification-logger", targets: ["notification-logger"]),
        .executable(name: "aws-gateway", targets: ["aws-gateway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // Shared pieces
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
        .target(name: "JSON"),
        .target(name: "SeededRandom"),
        .target(
            name: "Wire",
            dependencies: ["ZeroMQ", "JSON", "SeededRandom", .product(name: "Logging", package: "swift-log")]
        ),
        /// What several AWS APIs share: RFC 3339 timestamps, and hex digests (SQS's MD5s, States.Hash).
        .target(name: "Formats", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "StatesLanguage", dependencies: ["JSON", "SeededRandom", "Formats"]),
        .target(
            name: "StepFunctionsLocal",
            dependencies: [
                "StatesLanguage", "Formats", "JSON", "ServiceSupport", "Simulation",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .target(name: "Storage", dependencies: ["CZstd", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(
            name: "Template",
            dependencies: ["JSON", .product(name: "Yams", package: "Yams")],
            resources: [.copy("SeedPattern")]
        ),
        .target(
            name: "ServiceSupport",
            dependencies: [
                "Wire", "ZeroMQ", "JSON", "Storage", "SeededRandom",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // One library per process
        .target(
            name: "Orchestrator",
            dependencies: [
                "StatesLanguage", "StepFunctionsLocal", "Wire", "Storage", "JSON", "ServiceSupport", "SeededRandom",
                "Formats", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "QueueBroker",
            dependencies: [
                "Wire", "Storage", "JSON", "ServiceSupport", "Formats", "SeededRandom",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "APISimulator",
            dependencies: [
                "Orchestrator", "Wire", "Storage", "JSON", "ServiceSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "CallbackSender",
            dependencies: [
                "Wire", "Storage", "JSON", "ServiceSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "NotificationLogger",
            dependencies: [
                "Wire", "Storage", "JSON", "ServiceSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The browser console: static pages the gateway serves, calling the gateway's own AWS APIs.
        .target(name: "Console", dependencies: ["JSON"], resources: [.copy("Site")]),
        .target(
            name: "Gateway",
            dependencies: [
                "Wire", "JSON", "ServiceSupport", "Template", "Console", "AWSSignature",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "AWSSignature", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "GatewayClient",
            dependencies: [
                "Wire", "JSON", "AWSSignature",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Starting and stopping topologies: local processes (`callbacksim up`), their layout, the demo, deployment.
        .target(
            name: "Topology",
            dependencies: [
                "Wire", "JSON", "StatesLanguage", "ZeroMQ", "Template", "ServiceSupport", "Report",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Experiments, kept apart as Jepsen keeps them: the workload, the nemesis (fault injection), the checker,
        // and the runner that drives them on a topology; the network lab and the report have homes of their own.
        .target(name: "Workloads", dependencies: ["JSON", "SeededRandom"]),
        .target(name: "FaultInjection", dependencies: ["Wire", "SeededRandom"]),
        .target(name: "Checking", dependencies: ["JSON", "Wire"]),
        .target(name: "NetworkNamespaces", dependencies: ["FaultInjection", "Topology", "Wire"]),
        .target(name: "Report", dependencies: ["Checking", "JSON", "Wire"]),
        .target(
            name: "Experiments",
            dependencies: [
                "Workloads", "FaultInjection", "Checking", "NetworkNamespaces", "Report", "Topology", "Template",
                "ServiceSupport", "Wire", "JSON", "ZeroMQ", "SeededRandom", .product(name: "Yams", package: "Yams"),
            ]
        ),

        // `callbacksim simulate`: the services on one deterministic executor, virtual time and simulated IO.
        .target(name: "Simulation", dependencies: ["ServiceSupport", "Wire", "SeededRandom"]),
        .target(
            name: "Simulator",
            dependencies: [
                "Simulation", "Topology", "Experiments", "Workloads", "FaultInjection", "Checking", "Template",
                "Orchestrator", "QueueBroker", "APISimulator",
                "CallbackSender", "NotificationLogger", "ServiceSupport", "Storage", "Wire", "SeededRandom", "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // `callbacksim bench`: the load generator and its measurements.
        .target(
            name: "Bench",
            dependencies: [
                "Topology", "Experiments", "Template", "GatewayClient", "Wire", "JSON", "ZeroMQ", "ServiceSupport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]),

        // The processes' flags, shared by their thin executables and the `callbacksim` binary (which runs any).
        .target(
            name: "ProcessCommands",
            dependencies: [
                "Orchestrator", "QueueBroker", "APISimulator", "CallbackSender", "NotificationLogger", "Gateway",
                "ServiceSupport", "Template", "Wire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Thin executables
        .executableTarget(name: "orchestrator", dependencies: ["ProcessCommands", "ServiceSupport"]),
        .executableTarget(name: "queue-broker", dependencies: ["ProcessCommands", "ServiceSupport"]),
        .executableTarget(name: "api-simulator", dependencies: ["ProcessCommands", "ServiceSupport"]),
        .executableTarget(name: "callback-sender", dependencies: ["ProcessCommands", "ServiceSupport"]),
        .executableTarget(name: "notification-logger", dependencies: ["ProcessCommands", "ServiceSupport"]),
        .executableTarget(name: "aws-gateway", dependencies: ["ProcessCommands", "ServiceSupport"]),
        .executableTarget(
            name: "callbacksim",
            dependencies: [
                "Experiments", "FaultInjection", "NetworkNamespaces", "Report", "ServiceSupport", "GatewayClient",
                "ProcessCommands", "Bench", "Simulator",
                "Topology", "Template", "Wire", "JSON", "StatesLanguage", "StepFunctionsLocal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Tests (each lists every module it imports, so a change to one rebuilds it)
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(
            name: "ServiceSupportTests",
            dependencies: [
                "ServiceSupport", "Simulation", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "WireTests",
            dependencies: ["Wire", "JSON", "ZeroMQ", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "StatesLanguageTests", dependencies: ["StatesLanguage", "JSON", "Formats", "SeededRandom"]),
        .testTarget(
            name: "StepFunctionsLocalTests", dependencies: ["StepFunctionsLocal", "StatesLanguage", "JSON"],
            exclude: ["Conformance", "DocumentedCases"]),
        .testTarget(
            name: "OrchestratorTests",
            dependencies: [
                "Orchestrator", "Wire", "StatesLanguage", "Storage", "ServiceSupport", "ZeroMQ", "JSON", "Simulation",
                "SeededRandom",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "QueueBrokerTests",
            dependencies: [
                "QueueBroker", "Wire", "Formats", "JSON", "SeededRandom", "ServiceSupport", "Storage",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "TopologyTests", dependencies: ["Topology", "Template", "JSON"]),
        .testTarget(
            name: "ExperimentsTests", dependencies: ["Experiments", "FaultInjection", "Topology", "JSON", "Wire"]),
        .testTarget(name: "CheckingTests", dependencies: ["Checking", "Template", "StatesLanguage", "JSON", "Wire"]),
        .testTarget(name: "FaultInjectionTests", dependencies: ["FaultInjection", "Wire"]),
        .testTarget(name: "TemplateTests", dependencies: ["Template", "StatesLanguage", "JSON"]),
        .testTarget(
            name: "SimulationTests",
            dependencies: [
                "Simulation", "Simulator", "Experiments", "Workloads", "FaultInjection", "Checking", "Template",
                "Topology", "ServiceSupport", "Wire",
            ]),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "Console", "AWSSignature", "Wire", "JSON", "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "NotificationLoggerTests", dependencies: ["NotificationLogger", "Wire"]),
        .testTarget(
            name: "CallbackSenderTests",
            dependencies: [
                "CallbackSender", "Wire", "JSON", "ServiceSupport", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "Wire", "JSON", "Topology", "Template", "StatesLanguage", "ZeroMQ", "Experiments", "Workloads",
                "FaultInjection", "Checking", "NetworkNamespaces", "Report",
            ]),
    ]
)
