/// The Gen3 SDK and gen3-client accept a value after some flags (`--skip-completed true`,
/// `--rename=false`); argument-parser's flags take none. Rewritten before parsing: true keeps the
/// flag, false drops it, anything else is left for the parser to reject.
enum BooleanFlagValues {
    static let flags: Set<String> = ["--skip-completed", "--rename", "--no-prompt", "--overwrite", "--no-progress"]

    static func normalize(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                result += arguments[(index - 1)...]
                break
            }
            if let equals = argument.firstIndex(of: "="), flags.contains(String(argument[..<equals])) {
                switch argument[argument.index(after: equals)...].lowercased() {
                case "true": result.append(String(argument[..<equals]))
                case "false": break
                default: result.append(argument)
                }
                continue
            }
            result.append(argument)
            if flags.contains(argument), index < arguments.endIndex {
                switch arguments[index].lowercased() {
                case "true": index += 1
                case "false":
                    result.removeLast()
                    index += 1
                default: break
                }
            }
        }
        return result
    }
}
