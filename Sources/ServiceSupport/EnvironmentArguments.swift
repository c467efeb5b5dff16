import ArgumentParser
import Foundation
import JSON

/// Every long option a command takes can also come from the environment, so compose files and Kubernetes manifests
/// configure the processes without rebuilding or rewriting commands: `--queue-broker X` is
/// `CALLBACKSIM_QUEUE_BROKER=X`. The command line wins over the environment; an empty variable counts as unset (as
/// compose's `${VAR:-}` leaves it); a repeatable option takes a comma-separated list; a flag takes `true`/`false`
/// (also `1`/`0`, `yes`/`no`).
public enum EnvironmentArguments {
    public static let prefix = "CALLBACKSIM_"

    /// `queue-broker` → `CALLBACKSIM_QUEUE_BROKER`.
    public static func variable(forOption name: String) -> String {
        prefix + name.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// The command line with what the environment supplies added after the subcommand names it starts with.
    public static func arguments(
        for command: any ParsableCommand.Type, commandLine: [String], environment: [String: String]
    ) -> [String] {
        guard let help = try? JSONValue.parse(command._dumpHelp()), var node = help["command"] else {
            return commandLine
        }
        // Descend into the subcommands the command line names, so their options are the ones looked up.
        var path = 0
        while path < commandLine.count,
            let sub = node["subcommands"]?.arrayValue?.first(where: {
                $0["commandName"]?.stringValue == commandLine[path]
            })
        {
            node = sub
            path += 1
        }
        let given = Set(
            commandLine.compactMap { token -> String? in
                guard token.hasPrefix("-") else { return nil }
                return String(token.prefix { $0 != "=" })
            })
        var added: [String] = []
        for argument in node["arguments"]?.arrayValue ?? [] {
            let kind = argument["kind"]?.stringValue
            guard kind == "option" || kind == "flag" else { continue }
            let names = (argument["names"]?.arrayValue ?? []).compactMap { name -> (kind: String, text: String)? in
                guard let kind = name["kind"]?.stringValue, let text = name["name"]?.stringValue else { return nil }
                return (kind, kind == "long" ? "--" + text : "-" + text)
            }
            guard let long = names.first(where: { $0.kind == "long" })?.text,
                !["--help", "--version", "--experimental-dump-help"].contains(long),
                names.allSatisfy({ !given.contains($0.text) }),
                let value = environment[variable(forOption: String(long.dropFirst(2)))], !value.isEmpty
            else { continue }
            if kind == "flag" {
                if ["true", "1", "yes"].contains(value.lowercased()) { added.append(long) }
                continue
            }
            let values =
                argument["isRepeating"] == .bool(true)
                ? value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : [value]
            added += values.filter { !$0.isEmpty }.map { "\(long)=\($0)" }
        }
        return Array(commandLine[..<path]) + added + Array(commandLine[path...])
    }
}

extension AsyncParsableCommand {
    /// `main()`, with options also read from `CALLBACKSIM_…` environment variables.
    public static func mainReadingEnvironment(
        commandLine: [String] = Array(CommandLine.arguments.dropFirst())
    ) async {
        await main(
            EnvironmentArguments.arguments(
                for: self, commandLine: commandLine, environment: ProcessInfo.processInfo.environment))
    }
}
