import ArgumentParser
import Foundation
import Gen3Kit

// Exit statuses: 0 success, 1 some files failed, 2 usage/credential/configuration errors (argument
// parser's own 64 is folded into 2), 130/143 stopped by a signal.
do {
    var command = try Gen3Command.parseAsRoot(BooleanFlagValues.normalize(Array(CommandLine.arguments.dropFirst())))
    try command.run()
} catch let exit as ExitCode {
    Foundation.exit(exit.rawValue)
} catch {
    let code = Gen3Command.exitCode(for: error)
    if code == .success {
        print(Gen3Command.fullMessage(for: error))
        Foundation.exit(0)
    }
    FileHandle.standardError.write(Data((Gen3Command.fullMessage(for: error) + "\n").utf8))
    Foundation.exit(2)
}
