import ArgumentParser

/// The six processes' commands. Each has its own thin executable, and the `callbacksim` binary runs any of them
/// too (`callbacksim orchestrator …`, or invoked through a link named `orchestrator`), so a container image needs
/// one binary for all of them.
public enum ProcessCommands {
    public static let all: [any AsyncParsableCommand.Type] = [
        OrchestratorCommand.self, QueueBrokerCommand.self, APISimulatorCommand.self, CallbackSenderCommand.self,
        NotificationLoggerCommand.self, AWSGatewayCommand.self,
    ]

    /// The command a process is named by (`queue-broker`).
    public static func command(named name: String) -> (any AsyncParsableCommand.Type)? {
        all.first { $0.configuration.commandName == name }
    }
}
