import ArgumentParser
import Foundation
import Gen3Kit

/// Shows what a download will do and asks before starting. Without a terminal on stdin it refuses
/// rather than guessing, and says to pass `--no-prompt`.
enum ConfirmationPrompt {
    static func confirm(store: JobStore, settings: JobSettings) throws {
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
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        guard isatty(STDIN_FILENO) == 1 else {
            throw PromptError.noTerminal
        }
        FileHandle.standardError.write(Data("Continue? [y/N] ".utf8))
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard answer == "y" || answer == "yes" else {
            FileHandle.standardError.write(Data("cancelled; nothing was downloaded\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Why the prompt could not ask.
enum PromptError: Error, LocalizedError {
    /// Nobody at a terminal to answer.
    case noTerminal

    var errorDescription: String? {
        "standard input is not a terminal, so there is no one to ask: pass --no-prompt to download without asking"
    }
}
