import Formats
import Storage

/// How an execution's ARN is stored: split where its family ends. The family,
/// `arn:aws:states:<region>:<account>:execution:<machine>:` (`express:` for an EXPRESS machine's), is stored once
/// in `execution_families`; an execution's row keeps the family's id and the tail: the execution's name, and an
/// EXPRESS execution's name and unique suffix. The ARN is the two joined again (`execution_rows.arn`).
///
/// Every ARN splits, the family and tail always joining back to it: one with too few parts has an empty family,
/// which no execution has, so looking it up finds nothing.
struct ExecutionKey {
    var family: String
    var tail: String

    init(arn: String) {
        // On UTF-8 bytes, not Characters: every call naming an execution takes its ARN apart.
        let bytes = arn.utf8
        var colons = 0
        for index in bytes.indices where bytes[index] == UInt8(ascii: ":") {
            colons += 1
            if colons == 7 {
                let end = bytes.index(after: index)
                family = String(Substring(bytes[..<end]))
                tail = String(Substring(bytes[end...]))
                return
            }
        }
        family = ""
        tail = arn
    }

    /// The family of a machine's executions, from its ARN
    /// (`arn:aws:states:<region>:<account>:stateMachine:<machine>`).
    static func family(ofMachine machineArn: String, type: String) -> String {
        var parts = ARN.fields(machineArn)
        if parts.count > 5 { parts[5] = type == "EXPRESS" ? "express" : "execution" }
        return parts.joined(separator: ":") + ":"
    }

    /// The condition that finds an execution's row by its ARN, with `arguments`: the unique index on
    /// (family, tail), the family's id found first.
    static let whereArn = "family = (SELECT id FROM execution_families WHERE prefix = ?) AND tail = ?"
    var arguments: StatementArguments { [family, tail] }
}
