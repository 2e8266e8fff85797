#if canImport(Glibc)
    import Glibc
#endif

/// Starts worker processes of this same binary with `posix_spawn`. Workers stay in our process
/// group, so a terminal's Ctrl-C (and a `kill -9` of the group) reaches them too. Each gets a pipe
/// on fd 3 (`WorkerInvocation.reportFD`) for the one message a fatal stop sends back.
enum ProcessSpawner {
    struct Child {
        let pid: pid_t
        /// When it started (`LeaseOwner.startTime`), read before it can have been reaped: its rows'
        /// owner says it.
        let started: UInt64?
        /// Our end of the child's report pipe.
        let reportFD: Int32
    }

    /// This process's executable.
    static var currentExecutable: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return count > 0 ? String(filledBuffer: buffer) : CommandLine.arguments[0]
    }

    /// Spawns `executable` with `arguments` (argv[0] excluded) and this process's environment plus
    /// `environment`, which is set in the child only.
    static func spawn(_ executable: String, arguments: [String], environment: [String: String] = [:]) throws -> Child {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw RunError.spawnFailed(String(cString: strerror(errno))) }
        // Neither end may leak into the next worker we spawn; dup2 clears the flag on the child's fd 3.
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], WorkerInvocation.reportFD)
        var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) }
        argv.append(nil)
        defer { for pointer in argv { free(pointer) } }
        var envp: [UnsafeMutablePointer<CChar>?] =
            (inheritedEnvironment(without: Set(environment.keys))
            + environment.map { "\($0.key)=\($0.value)" }).map { strdup($0) }
        envp.append(nil)
        defer { for pointer in envp { free(pointer) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        close(fds[1])
        guard code == 0 else {
            close(fds[0])
            throw RunError.spawnFailed(String(cString: strerror(code)))
        }
        return Child(pid: pid, started: LeaseOwner.startTime(of: pid), reportFD: fds[0])
    }

    /// This process's environment as `NAME=value` entries, less the names in `names`.
    private static func inheritedEnvironment(without names: Set<String>) -> [String] {
        var entries: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            let name = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? text
            if !names.contains(name) { entries.append(text) }
            pointer += 1
        }
        return entries
    }

    /// What the child wrote on its report pipe (read once it has exited), then closes it.
    static func readReport(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65536 {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        close(fd)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// How a run starts its worker processes: this binary's hidden worker subcommand.
package struct WorkerProcesses: Sendable {
    /// The executable to start: this process's own.
    package var executable: String
    /// Its arguments (`WorkerInvocation.arguments`).
    package var arguments: [String]
    /// Set in each worker only (the credentials, `WorkerInvocation.authVariable`).
    package var environment: [String: String]
}
