#if canImport(Glibc)
import Glibc
#endif

/// Starts worker processes of this same binary with `posix_spawn`. Workers stay in our process
/// group, so a terminal's Ctrl-C (and a `kill -9` of the group) reaches them too. Each gets a pipe
/// on fd 3 (`WorkerReport.fd`) for the one message a fatal stop sends back.
enum ProcessSpawner {
    struct Child {
        let pid: pid_t
        /// Our end of the child's report pipe.
        let reportFD: Int32
    }

    /// This process's executable.
    static var currentExecutable: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return count > 0 ? String(cString: buffer) : CommandLine.arguments[0]
    }

    /// Spawns `executable` with `arguments` (argv[0] excluded).
    static func spawn(_ executable: String, arguments: [String]) throws -> Child {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw RunError.spawnFailed(String(cString: strerror(errno))) }
        // Neither end may leak into the next worker we spawn; dup2 clears the flag on the child's fd 3.
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], WorkerReport.fd)
        var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) }
        argv.append(nil)
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        close(fds[1])
        guard code == 0 else {
            close(fds[0])
            throw RunError.spawnFailed(String(cString: strerror(code)))
        }
        return Child(pid: pid, reportFD: fds[0])
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

/// The worker's side of the report pipe.
public enum WorkerReport {
    static let fd: Int32 = 3

    /// Sends the fatal message to the supervisor, when there is one listening.
    public static func send(_ message: String) {
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFIFO else { return }
        _ = message.withCString { write(fd, $0, strlen($0)) }
    }
}
