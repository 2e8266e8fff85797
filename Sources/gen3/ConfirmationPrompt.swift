import ArgumentParser
import Foundation
import Gen3Kit

/// Shows what a download will do and asks before starting. The plan comes from the manifest
/// imported into a scratch copy of the job (`plan`), so a "no" or a `--dry-run` leaves no
/// database, directory or file behind. Without a terminal on stdin it refuses rather than
/// guessing, and says to pass `--no-prompt`.
enum ConfirmationPrompt {
    /// Imports `manifest` into a scratch copy of the job at `databasePath` (or an empty one) and
    /// describes what a run would do: files, bytes, destination, files already there, free space,
    /// and name clashes when the import would stop on them.
    static func plan(manifest: String, databasePath: String, options: ImportOptions) throws -> [String] {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gen3-plan-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let planPath = scratch + "/plan.sqlite"
        if FilePaths.exists(databasePath) { try JobStore(path: databasePath, create: false).copy(to: planPath) }
        let store = try JobStore(path: planPath)
        do {
            _ = try ManifestImporter(store: store).importManifest(path: manifest, options: options)
        } catch let error as StoreError {
            guard case .nameClashes = error else { throw error }
            return ["the import would stop:", error.localizedDescription]
        }
        return try lines(store: store, settings: store.requireSettings())
    }

    /// What a run of the job in `store` would do.
    static func lines(store: JobStore, settings: JobSettings) throws -> [String] {
        let progress = try store.progress()
        let left = progress.count(.pending) + progress.count(.claimed) + progress.count(.failed)
        let known = progress.bytesToDownload
        var lines = ["\(left) files to download (\(progress.count(.done) + progress.count(.skipped)) already finished)"]
        lines.append(
            "size: \(ByteCount.format(max(0, known)))\(progress.total > 0 && known == 0 ? " (unknown until indexd is asked)" : "")")
        lines.append("to: \(settings.downloadPath)")
        let present = try store.unfinishedPresent(in: settings.downloadPath)
        if present > 0 {
            lines.append(
                "already there: \(present) files (the right size and md5 count as done; anything else is left as it is unless --rename or --overwrite)"
            )
        }
        if let free = FilePaths.freeSpace(nearest: settings.downloadPath) {
            lines.append(
                "free space there: \(ByteCount.format(free))\(free < known ? "  — NOT ENOUGH (the run refuses to start without --ignore-free-space)" : "")"
            )
        }
        return lines
    }

    /// Shows `plan` on stderr and asks; throws `ExitCode(1)` on anything but yes.
    static func confirm(_ plan: [String]) throws {
        FileHandle.standardError.write(Data((plan.joined(separator: "\n") + "\n").utf8))
        guard isatty(STDIN_FILENO) == 1 else {
            throw PromptError.noTerminal
        }
        FileHandle.standardError.write(Data("Continue? [y/N] ".utf8))
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard answer == "y" || answer == "yes" else {
            FileHandle.standardError.write(Data("cancelled; nothing was downloaded or written\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Why the prompt could not ask.
enum PromptError: Error, LocalizedError {
    /// Nobody at a terminal to answer.
    case noTerminal

    var errorDescription: String? {
        "standard input is not a terminal, so there is no one to ask: pass --no-prompt to download without asking (or --dry-run to see the plan)"
    }
}
