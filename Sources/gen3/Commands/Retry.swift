import ArgumentParser
import Gen3Kit

/// `gen3 retry`: failed files back to pending with fresh attempts.
struct Retry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Put failed files back to pending with fresh attempts (then: gen3 run).")

    @ParentCommand var root: Gen3Command
    @OptionGroup(title: "Global options") var globals: GlobalOptions

    func run() throws {
        let globals = globals.merged(with: root.globals)
        let store = try JobStore(path: globals.databasePath, create: false)
        _ = try store.requireSettings()
        let count = try store.retryFailed()
        print("\(count) failed files are pending again; next: gen3 --db \(globals.shownDatabase) run")
    }
}
