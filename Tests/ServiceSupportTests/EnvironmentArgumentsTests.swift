import ArgumentParser
import ServiceSupport
import Testing

struct Tool: ParsableCommand {
    static let configuration = CommandConfiguration(subcommands: [Serve.self])

    struct Serve: ParsableCommand {
        @Option var queueBroker: String?
        @Option var function: [String] = []
        @Flag var verbose = false
        @Option var dataDir = ".callbacksim"
        @Argument var name: String?
    }
}

@Suite struct EnvironmentArgumentsTests {
    func serve(_ commandLine: [String], _ environment: [String: String]) throws -> Tool.Serve {
        let arguments = EnvironmentArguments.arguments(
            for: Tool.self, commandLine: commandLine, environment: environment)
        return try #require(try Tool.parseAsRoot(arguments) as? Tool.Serve)
    }

    @Test func optionsOfTheNamedSubcommandComeFromTheEnvironment() throws {
        let command = try serve(
            ["serve", "job"],
            [
                "CALLBACKSIM_QUEUE_BROKER": "tcp://broker:7102", "CALLBACKSIM_VERBOSE": "true",
                "CALLBACKSIM_DATA_DIR": "/data", "CALLBACKSIM_UNKNOWN": "x", "QUEUE_BROKER": "not ours",
            ])
        #expect(command.queueBroker == "tcp://broker:7102")
        #expect(command.verbose)
        #expect(command.dataDir == "/data")
        #expect(command.name == "job")
    }

    @Test func theCommandLineWins() throws {
        let command = try serve(
            ["serve", "--queue-broker=tcp://a:1", "--function", "F=x"],
            ["CALLBACKSIM_QUEUE_BROKER": "tcp://b:2", "CALLBACKSIM_FUNCTION": "G=y"])
        #expect(command.queueBroker == "tcp://a:1")
        #expect(command.function == ["F=x"])
    }

    @Test func aRepeatableOptionTakesACommaSeparatedList() throws {
        let command = try serve(["serve"], ["CALLBACKSIM_FUNCTION": "A=tcp://a:1, B=tcp://b:2"])
        #expect(command.function == ["A=tcp://a:1", "B=tcp://b:2"])
    }

    @Test func aFlagSetToFalseOrAnEmptyEnvironmentChangesNothing() throws {
        let command = try serve(["serve"], ["CALLBACKSIM_VERBOSE": "false", "CALLBACKSIM_QUEUE_BROKER": ""])
        #expect(!command.verbose)
        #expect(command.queueBroker == nil)
        #expect(EnvironmentArguments.arguments(for: Tool.self, commandLine: ["serve"], environment: [:]) == ["serve"])
    }

    @Test func theVariableIsTheOptionInCapitals() {
        #expect(EnvironmentArguments.variable(forOption: "gateway-port") == "CALLBACKSIM_GATEWAY_PORT")
    }
}
