package dev.webrepl.server;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.core.tls.TlsFiles;
import dev.webrepl.core.users.Tenancy;
import dev.webrepl.core.users.UserDirectory;
import dev.webrepl.core.users.UserRoots;
import dev.webrepl.core.users.Users;
import dev.webrepl.core.engine.LineEvaluator;
import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.core.terminal.LineDiscipline;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionIds;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.engines.jshell.ChildClasses;
import dev.webrepl.engines.jshell.Hibernation;
import dev.webrepl.engines.jshell.JShellConfig;
import dev.webrepl.engines.jshell.JShellEngines;
import dev.webrepl.engines.jshell.JShellPool;
import dev.webrepl.engines.jshell.JShellWarmUp;
import dev.webrepl.engines.micropython.MicroPythonEngine;
import dev.webrepl.engines.micropython.MicroPythonRuntime;
import dev.webrepl.engines.process.ProcessEngine;
import dev.webrepl.engines.process.ProcessEngineConfig;
import dev.webrepl.engines.sandbox.Sandbox;
import dev.webrepl.engines.sandbox.SandboxLimits;
import dev.webrepl.loadtest.FloodEngine;
import dev.webrepl.metrics.AdminAccess;
import dev.webrepl.metrics.AdminOptions;
import dev.webrepl.metrics.AdminToken;
import dev.webrepl.metrics.WebReplMetrics;
import dev.webrepl.server.log.LogFormat;
import dev.webrepl.server.log.LogLevel;
import dev.webrepl.server.log.LogSetup;
import dev.webrepl.metrics.audit.AuditLogFile;
import dev.webrepl.metrics.audit.RecordingOptions;
import dev.webrepl.metrics.audit.SessionRecordings;
import dev.webrepl.transport.server.SecurityOptions;
import dev.webrepl.transport.server.ServerOptions;
import dev.webrepl.transport.server.WebReplServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import io.micrometer.core.instrument.Tags;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code webrepl serve}: runs the server until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Runs the WebREPL server. Each WebSocket connection to / is a new session.")
final class ServeCommand implements Callable<Integer> {
    static final String PASSWORD_ENV = "WEBREPL_PASSWORD";
    private static final String PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    @Spec
    CommandSpec spec;

    @Option(names = ServeDefaults.CONFIG_OPTION, paramLabel = "FILE", description = "A Java properties file of "
            + "defaults, keyed by long option name without dashes (port=8266, allowed-origin=A,B); flags win, then "
            + "$WEBREPL_<NAME> (WEBREPL_MAX_SESSIONS for --max-sessions), then this file (README \"Configuration\").")
    Path config;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8266", description = "TCP port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--password", description = "The WebREPL password. Also: $" + PASSWORD_ENV
            + " or --password-file. Without any, a random one is generated and printed once.")
    String password;

    @Option(names = "--password-file", description = "A file whose first line is the password, or its hash from "
            + "`webrepl hash-password` (pbkdf2-sha256$...).")
    Path passwordFile;

    @Option(names = "--root", defaultValue = "webrepl-files",
            description = "Directory that file transfers are confined to, created if missing (default: ${DEFAULT-VALUE}).")
    Path root;

    @Option(names = "--users", paramLabel = "FILE", description = "A users file: one NAME:HASH[:admin] line per user "
            + "(HASH from `webrepl hash-password`). Users log in with NAME:PASSWORD; each has ROOT/NAME as /. "
            + "Re-read when it changes and on SIGHUP. Not with --password (README \"Users\").")
    Path users;

    @Option(names = "--quota-bytes", defaultValue = "0", description = "With --users: the bytes each user's files "
            + "may hold; a PUT past it gets status 122 and leaves nothing; 0 for no quota (default: ${DEFAULT-VALUE}).")
    long quotaBytes;

    @Option(names = "--max-sessions-per-user", defaultValue = "10", description = "With --users: sessions one user "
            + "may have alive, lingering ones included; one more gets close code 1013; 0 for no limit "
            + "(default: ${DEFAULT-VALUE}).")
    int maxSessionsPerUser;

    /** Bytes per write of the flood engine: 200 of its 80-byte lines, about what a pty's reader gets per read. */
    static final int FLOOD_WRITE = 16000;

    /** Which engine runs behind each session. */
    enum EngineKind { echo, process, jshell, micropython, flood }

    @Option(names = "--engine", defaultValue = "jshell",
            description = "The REPL behind each session: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    EngineKind engine;

    @Option(names = "--command", description = "With --engine process: the program and its arguments, split at spaces, "
            + "e.g. \"/usr/bin/python3 -i\". It runs in a pseudo-terminal with the file root as working directory.")
    String command;

    @Option(names = "--micropython", paramLabel = "PATH", description = "With --engine micropython: MicroPython's unix "
            + "port binary (default: micropython on PATH).")
    Path micropython;

    @Option(names = "--micropython-runtime", defaultValue = "auto",
            description = "With --engine micropython: ${COMPLETION-CANDIDATES}. unix runs MicroPython's unix port "
                    + "(--micropython), wasm its WebAssembly port under Node.js, auto the unix port if there is one "
                    + "(default: ${DEFAULT-VALUE}).")
    MicroPythonRuntime.Kind micropythonRuntimeKind;

    @Option(names = "--micropython-wasm", paramLabel = "DIR", description = "With --engine micropython: the npm "
            + "package of MicroPython's WebAssembly port, or the --prefix it was installed with (default: "
            + "$WEBREPL_MICROPYTHON_WASM, else ~/.cache/webrepl/micropython-wasm).")
    Path micropythonWasm;

    @Option(names = "--micropython-sandbox",
            description = "With --engine micropython: ${COMPLETION-CANDIDATES}. bubblewrap (bwrap) confines each REPL "
                    + "to the file root (its /) and read-only system libraries, without network; none runs it "
                    + "unconfined, for trusted use only (default: as --sandbox: bubblewrap with bwrap, else none).")
    MicroPythonRuntime.Sandbox micropythonSandbox;

    // The runtime --engine micropython found at start (the start line; closed with the engines).
    private volatile MicroPythonRuntime micropythonRuntime;

    @Option(names = "--jshell-execution", defaultValue = "REMOTE",
            description = "With --engine jshell: REMOTE runs user code in a child JVM per session (isolated; default), "
                    + "LOCAL in the server's JVM (trusted use only: System.exit there stops the server).")
    JShellConfig.Execution jshellExecution;

    @Option(names = "--jshell-vm-options", description = "With --engine jshell (REMOTE): options of each session's JVM, "
            + "split at spaces (default: \"-Xmx128m -XX:TieredStopAtLevel=1 -Xshare:auto -XX:+UnlockDiagnosticVMOptions "
            + "-XX:ArchiveRelocationMode=0 -XX:+UseSerialGC -XX:-UsePerfData\").")
    String jshellVmOptions;

    @Option(names = "--prewarm", defaultValue = "0", paramLabel = "N|auto",
            description = "With --engine jshell: keep this many JShell instances started and warm, so a new session "
                    + "gets one at once; auto keeps 1 to " + PREWARM_AUTO_MAX + " by the recent session start rate "
                    + "(default: ${DEFAULT-VALUE}).")
    String prewarm;

    /** The most warm instances --prewarm auto keeps (each is a child JVM and JShell's state in the server). */
    static final int PREWARM_AUTO_MAX = 8;

    // Read by the admin listener's thread for /health.
    private volatile JShellPool pool;
    /** The one pty loop of the process engine's sessions (issue #19), closed after them. */
    private volatile dev.webrepl.engines.process.PtyLoop ptyLoop;

    @Option(names = "--jshell-hibernate-after", defaultValue = "10m", converter = DurationConverter.class,
            description = "With --engine jshell: a session without input this long closes its JShell and keeps only "
                    + "its accepted snippets; the next input replays them (README \"Hibernation\"; 0: never; "
                    + "default: ${DEFAULT-VALUE}).")
    Duration jshellHibernateAfter;

    // The hibernation timer thread and analysis JShell of the jshell engine's sessions; closed with the engines.
    private volatile Hibernation hibernation;

    @Option(names = "--jshell-class-archive", arity = "0..1", fallbackValue = "true", defaultValue = "true",
            paramLabel = "true|false", description = "With --engine jshell (REMOTE): make a class-data-sharing archive "
                    + "of the child JVMs' classes when the first one starts, and start the later ones with it (README "
                    + "\"Child JVMs\"; default: ${DEFAULT-VALUE}).")
    boolean jshellClassArchive;

    // The REMOTE child JVMs' class path and class archive, in a directory of this server's; deleted with the engines.
    private volatile ChildClasses childClasses;

    @Option(names = "--jshell-warm-up", defaultValue = "true", arity = "0..1", fallbackValue = "true",
            paramLabel = "true|false", description = "With --engine jshell: once started, the server restores a "
                    + "built-in session of 50 snippets " + JShellWarmUp.ROUNDS + " times in the background, so that "
                    + "its first users' restores are as fast as later ones (README \"Hibernation\"; "
                    + "default: ${DEFAULT-VALUE}).")
    boolean jshellWarmUp;

    // The jshell engine's warm-up (made by engines(), started once the server listens; closed with the engines).
    private volatile JShellWarmUp warmUp;

    @Option(names = "--sandbox", paramLabel = "bwrap|none", description = "How the engines that run programs "
            + "(process, micropython) are confined: bwrap runs each session in a bubblewrap sandbox (its file root "
            + "the only writable place and its working directory, the system read-only, own PID and network "
            + "namespaces, the --limit-* limits); none runs them as the server's user, seeing what it sees (trusted "
            + "use only). Default: bwrap when bwrap works here, else none with a warning (README \"Sandbox and limits\").")
    Sandbox.Mode sandboxMode;

    @Option(names = "--sandbox-network", arity = "0..1", fallbackValue = "true", paramLabel = "true|false",
            description = "With --sandbox bwrap: sessions share the host's network (by default they have only a "
                    + "loopback of their own).")
    boolean sandboxNetwork;

    @Option(names = "--limit-memory", defaultValue = "512m", paramLabel = "SIZE", description = "Memory of all of a "
            + "sandboxed session's processes, e.g. 512m, 1g; passing it ends the session (cgroups; with rlimits each "
            + "process's address space); 0 none (default: ${DEFAULT-VALUE}).")
    String limitMemory;

    @Option(names = "--limit-cpu", defaultValue = "1.0", paramLabel = "CORES", description = "CPU time of a sandboxed "
            + "session, in cores, e.g. 0.5 (cgroups only); 0 none (default: ${DEFAULT-VALUE}).")
    double limitCpu;

    @Option(names = "--limit-processes", defaultValue = "128", paramLabel = "N", description = "Processes and threads "
            + "of a sandboxed session at once; a fork beyond fails (default: ${DEFAULT-VALUE}; 0 none).")
    int limitProcesses;

    @Option(names = "--limit-files", defaultValue = "256", paramLabel = "N", description = "Open files per process "
            + "of a sandboxed session (RLIMIT_NOFILE; default: ${DEFAULT-VALUE}; 0 none).")
    int limitFiles;

    @Option(names = "--limit-time", defaultValue = "0", converter = DurationConverter.class, description = "Wall-clock "
            + "time of any session, e.g. 2h; then it ends with the reason in its terminals; 0 none (default: "
            + "${DEFAULT-VALUE}: --idle-timeout ends abandoned sessions).")
    Duration limitTime;

    // The sandbox of the engines that run programs (made by engines(); closed with them).
    private volatile Sandbox sandbox;

    @Option(names = "--viewer-password", description = "A second password that only grants view-only terminals (/session/ID?mode=view).")
    String viewerPassword;

    @Option(names = "--viewer-password-file", description = "A file whose first line is the viewer password, or its hash "
            + "from `webrepl hash-password`.")
    Path viewerPasswordFile;

    @Option(names = "--max-login-failures", defaultValue = "5", description = "Failed logins from one address, within "
            + "--lockout, after which it is delayed: each wrong answer waits longer, the right password still logs in "
            + "(default: ${DEFAULT-VALUE}).")
    int maxLoginFailures;

    @Option(names = "--hard-lockout-failures", paramLabel = "N", description = "Failed logins from one address, within "
            + "--lockout, that lock it out for --lockout, the right password included (default: 5 x --max-login-failures).")
    Integer hardLockoutFailures;

    @Option(names = "--lockout", defaultValue = "5m", converter = DurationConverter.class,
            description = "The window failed logins count in, and how long a hard-locked address stays locked: new "
                    + "connections get close code 1008; the admin listener's POST /lockouts/clear lifts it (default: ${DEFAULT-VALUE}).")
    Duration lockout;

    @Option(names = "--allowed-origin", paramLabel = "ORIGIN", split = ",", description = "A browser origin (e.g. https://ide.example) "
            + "allowed to open WebSockets besides the server's own; repeatable. Others get 403; no Origin (CLI clients) is fine.")
    List<String> allowedOrigins = new java.util.ArrayList<>();

    @Option(names = "--strict-origin", arity = "0..1", fallbackValue = "true", paramLabel = "true|false", description = "Browser WebSockets only from the server's own origin and "
            + "--allowed-origin: not from MicroPython's official page (Origin null for a copy opened from disk, "
            + "http://micropython.org), which are allowed by default (README \"Security\").")
    boolean strictOrigin;

    @Option(names = "--handshake-timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "A connection without its HTTP response (101 or page) this soon is closed (default: ${DEFAULT-VALUE}).")
    Duration handshakeTimeout;

    @Option(names = "--login-timeout", defaultValue = "30s", converter = DurationConverter.class,
            description = "No password line this soon after the prompt: close code 1008 (default: ${DEFAULT-VALUE}).")
    Duration loginTimeout;

    @Option(names = "--max-frame", defaultValue = "" + ServerOptions.DEFAULT_MAX_FRAME,
            description = "Largest client frame payload in bytes; larger: close code 1009 (default: ${DEFAULT-VALUE}).")
    int maxFrame;

    @Option(names = "--max-header-bytes", defaultValue = "8192",
            description = "Largest HTTP request header block; larger: 431 (default: ${DEFAULT-VALUE}).")
    int maxHeaderBytes;

    @Option(names = "--max-connections-per-address", defaultValue = "50",
            description = "WebSocket connections open at once from one address; more: close code 1013 (default: ${DEFAULT-VALUE}).")
    int maxConnectionsPerAddress;

    @Option(names = "--allowed-host", paramLabel = "NAME", split = ",", description = "A Host name browsers may use besides loopback "
            + "names and this machine's addresses (e.g. the public name behind a proxy): NAME for any port, NAME:PORT "
            + "for that port; repeatable. A request with an Origin naming another Host gets 403 (DNS rebinding).")
    List<String> allowedHosts = new java.util.ArrayList<>();

    @Option(names = "--max-sessions-per-address", defaultValue = "20", description = "Sessions opened from one address "
            + "and still alive, lingering ones included; a new one more gets close code 1013; 0 for no limit "
            + "(default: ${DEFAULT-VALUE}).")
    int maxSessionsPerAddress;

    @Option(names = "--max-sessions", defaultValue = "1000", description = "Sessions at once; more get close code 1013 (default: ${DEFAULT-VALUE}).")
    int maxSessions;

    @Option(names = "--max-terminals", defaultValue = "32", description = "Terminals per session; more get close code 1013 (default: ${DEFAULT-VALUE}).")
    int maxTerminals;

    @Option(names = "--linger", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long a session with terminal input outlives its last terminal, e.g. 60s, 5m; 0 disables (default: ${DEFAULT-VALUE}).")
    Duration linger;

    @Option(names = "--idle-timeout", defaultValue = "1h", converter = DurationConverter.class,
            description = "A session without input or output for this long ends; 0 never (default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--input-queue", defaultValue = "65536", description = "Input bytes queued per session between sockets and engine (default: ${DEFAULT-VALUE}).")
    int inputQueue;

    @Option(names = "--output-low-water", defaultValue = "65536", description = "Per-terminal output backlog below which a paused producer resumes (default: ${DEFAULT-VALUE}).")
    long outputLowWater;

    @Option(names = "--output-high-water", defaultValue = "262144", description = "Per-terminal output backlog above which (on every terminal) producers pause (default: ${DEFAULT-VALUE}).")
    long outputHighWater;

    @Option(names = "--output-cap", defaultValue = "4194304", description = "Per-terminal output backlog past which the terminal is closed as a slow consumer (default: ${DEFAULT-VALUE}).")
    long outputCap;

    @Option(names = "--scrollback", defaultValue = "65536", description = "Output bytes replayed to a terminal that attaches (default: ${DEFAULT-VALUE}).")
    int scrollback;

    @Option(names = "--get-chunk", defaultValue = "" + ServerOptions.DEFAULT_GET_CHUNK,
            description = "GET payload bytes per frame, 1..65533 (default: ${DEFAULT-VALUE}; the reference sends 256).")
    int getChunk;

    @Option(names = "--admin-host", defaultValue = AdminOptions.DEFAULT_HOST,
            description = "Address of the admin listener: /metrics, /health, /sessions, /dashboard (default: ${DEFAULT-VALUE}).")
    String adminHost;

    @Option(names = "--admin-port", defaultValue = "" + AdminOptions.DEFAULT_PORT,
            description = "TCP port of the admin listener (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int adminPort;

    @Option(names = "--no-admin", arity = "0..1", fallbackValue = "true", paramLabel = "true|false", description = "Run without the admin listener.")
    boolean noAdmin;

    @Option(names = "--admin-allowed-host", paramLabel = "NAME[:PORT]", split = ",", description = "A Host name the admin "
            + "listener answers to besides loopback names and --admin-host (repeatable), e.g. a proxy's name; "
            + "NAME alone matches any port. Other Hosts get 403 (DNS rebinding).")
    List<String> adminAllowedHosts = new ArrayList<>();

    @Option(names = "--admin-token-file", paramLabel = "FILE", description = "Require a bearer token (the first line "
            + "of FILE) on every admin endpoint but /health and the dashboard's static files.")
    Path adminTokenFile;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "Speak TLS (wss://, https://; the admin listener too) "
            + "with this PEM certificate chain; needs --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "The PKCS#8 PEM private key (BEGIN PRIVATE KEY) of "
            + "--tls-cert; needs --tls-cert.")
    Path tlsKey;

    @Option(names = "--tls-self-signed", arity = "0..1", fallbackValue = "true", paramLabel = "true|false", description = "For development: speak TLS with a fresh self-signed certificate "
            + "(localhost, 127.0.0.1, ::1 and --host), printing its SHA-256 fingerprint; clients must be told to trust it.")
    boolean tlsSelfSigned;

    @Option(names = "--tls-self-signed-cert", paramLabel = "FILE", description = "With --tls-self-signed: where to write "
            + "its certificate (PEM, public) for clients' --ca-cert (default: ~/.cache/webrepl/self-signed-HEX.pem, "
            + "HEX the fingerprint's start; under $XDG_CACHE_HOME if set).")
    Path tlsSelfSignedCert;

    /** The --tls-self-signed certificate's files, deleted once the listeners have read them. */
    SelfSignedTls selfSigned;

    @Option(names = "--node", paramLabel = "NAME", description = "This node's name when several run behind a proxy: "
            + "session ids become NAME.RANDOM (so the proxy routes /session/NAME.* here) and every meter gets the "
            + "label node=NAME. 1 to 32 of a-z, 0-9 and '-'.")
    String node;

    @Option(names = "--exit-when-drained", arity = "0..1", fallbackValue = "true", paramLabel = "true|false", description = "Exit once the node is draining (POST /drain on the admin "
            + "listener, or `webrepl drain`) and its last session has ended.")
    boolean exitWhenDrained;

    @Option(names = "--shutdown-timeout", defaultValue = "5s", converter = DurationConverter.class,
            description = "On SIGTERM or Ctrl-C: how long connections get to finish before they are cut (default: ${DEFAULT-VALUE}).")
    Duration shutdownTimeout;

    @Option(names = "--ping-interval", defaultValue = "30s", converter = DurationConverter.class,
            description = "How often each WebSocket is sent an empty ping; 0 never (default: ${DEFAULT-VALUE}).")
    Duration pingInterval;

    @Option(names = "--ping-timeout", defaultValue = "60s", converter = DurationConverter.class,
            description = "A client that answered pings and then sends nothing for this long is closed as gone; "
                    + "clients that never answer pings are exempt; 0 never (default: ${DEFAULT-VALUE}).")
    Duration pingTimeout;

    @Option(names = "--log-format", defaultValue = "text", paramLabel = "text|json", converter = LogFormatConverter.class,
            description = "Log lines on stderr: text for people, json (one object per line) for log shippers (default: ${DEFAULT-VALUE}).")
    LogFormat logFormat;

    @Option(names = "--log-level", paramLabel = "[LOGGER=]LEVEL", split = ",", converter = LogLevelConverter.class,
            description = "TRACE, DEBUG, INFO, WARN, ERROR or OFF: webrepl's own log level (WARN and above quiet the "
                    + "libraries too); LOGGER=LEVEL sets one logger, e.g. reactor.netty=DEBUG (default: INFO).")
    List<LogLevel> logLevels = new ArrayList<>();
    @Option(names = "--record", paramLabel = "DIR", description = "Record every session's terminal output as an "
            + "asciicast v2 file in DIR (created 0700, files 0600); the admin listener lists and plays them "
            + "(README \"Recordings\").")
    Path recordDir;

    @Option(names = "--record-input", arity = "0..1", fallbackValue = "true", paramLabel = "true|false",
            description = "With --record: record terminal input too (what people type, passwords given to programs included).")
    boolean recordInput;

    @Option(names = "--record-max-bytes", defaultValue = "" + RecordingOptions.DEFAULT_MAX_BYTES, paramLabel = "BYTES",
            description = "With --record: the most one recording file holds; at the cap a last marker is written and "
                    + "that session is recorded no further (default: ${DEFAULT-VALUE}).")
    long recordMaxBytes;

    @Option(names = "--audit-log", paramLabel = "FILE", description = "Append one JSON line per login, failed login, "
            + "session opened, attached or ended, and file operation to FILE (created 0600), or to standard output "
            + "for - (README \"Audit log\").")
    String auditLog;

    /**
     * Serves until SIGTERM or SIGINT, then shuts down gracefully on this thread and returns 0; a
     * second signal during that halts at once with 128 + the signal's number (README "Faults and
     * shutdown"). The shutdown hook covers the other ways the JVM ends.
     */
    @Override
    public Integer call() throws IOException {
        try (MonitoredServer server = start();
             ShutdownSignals signals = ShutdownSignals.install(spec.commandLine().getErr());
             ReloadSignal hup = ReloadSignal.install(this::reloadUsers)) {
            Thread hook = new Thread(() -> {
                server.close();
                closeEngines();
            }, "webrepl-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            Mono<Void> end = Mono.firstWithSignal(server.server().onClose(), signals.received());
            if (exitWhenDrained) {
                PrintWriter out = spec.commandLine().getOut();
                end = Mono.firstWithSignal(end, Mono.fromFuture(server.server().whenDrained())
                        .doOnSuccess(v -> {
                            out.println("webrepl: drained (no sessions left); exiting");
                            out.flush();
                        }));
            }
            end.block();
            server.close();
            closeEngines();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is already ending (another signal or System.exit): the hook runs, idempotently.
            }
        } finally {
            closeEngines();
        }
        return 0;
    }

    /** SIGHUP: the users file is read again (README "Users"); without --users, nothing. */
    void reloadUsers() {
        Tenancy t = tenancy;
        if (t != null) {
            t.users().reload();
        }
    }

    /** The REMOTE child JVMs' class path and class archive, when the engine has them (tests). */
    java.util.Optional<ChildClasses> childClasses() {
        return java.util.Optional.ofNullable(childClasses);
    }

    /** The jshell engine's warm-up, from start until the engines are closed; null without (for tests). */
    JShellWarmUp warmUp() {
        return warmUp;
    }

    /** Releases what the engine choice holds beyond its sessions (the JShell warm pool, the users file's poll). */
    void closeEngines() {
        // Before the pool and the sandbox its JShell may come from.
        JShellWarmUp wu = warmUp;
        warmUp = null;
        if (wu != null) {
            wu.close();
        }
        // First: it lets the process sessions' last stops finish (their sandboxes' cleanup among them).
        dev.webrepl.engines.process.PtyLoop loop = ptyLoop;
        ptyLoop = null;
        if (loop != null) {
            loop.close();
        }
        Sandbox sb = sandbox;
        sandbox = null;
        if (sb != null) {
            sb.close();
        }
        Tenancy t = tenancy;
        tenancy = null;
        if (t != null) {
            t.users().close();
        }
        Scheduler w = usersWatch;
        usersWatch = null;
        if (w != null) {
            w.dispose();
        }
        MicroPythonRuntime mp = micropythonRuntime;
        micropythonRuntime = null;
        if (mp != null) {
            mp.close();
        }
        JShellPool p = pool;
        pool = null;
        if (p != null) {
            p.close();
        }
        Hibernation h = hibernation;
        hibernation = null;
        if (h != null) {
            h.close();
        }
        ChildClasses c = childClasses;
        childClasses = null;
        if (c != null) {
            c.close();
        }
    }

    /** Starts the server as configured and prints where it listens; the caller owns the result. */
    MonitoredServer start() throws IOException {
        // Before anything of the server logs (README "Logs").
        LogSetup.configure(logFormat == null ? LogFormat.TEXT : logFormat, logLevels);
        PrintWriter out = spec.commandLine().getOut();
        String nodeName = nodeName();
        TlsFiles tls = tlsFiles();
        if (tlsSelfSigned) {
            selfSigned = SelfSignedTls.generate(host);
            tls = selfSigned.files();
            out.println("TLS: self-signed certificate, SHA-256 fingerprint " + selfSigned.fingerprint());
            // Kept where a person finds it (the key is not): clients trust it with --ca-cert or the fingerprint.
            Path kept = tlsSelfSignedCert != null ? tlsSelfSignedCert : SelfSignedTls.defaultCertificateFile(
                    System.getenv("XDG_CACHE_HOME"), System.getProperty("user.home"), selfSigned.fingerprint());
            try {
                selfSigned.keepCertificate(kept);
                out.println("TLS: its certificate is in " + kept + " (for clients: --ca-cert " + kept
                        + ", or --tls-fingerprint with the fingerprint above)");
            } catch (IOException e) {
                out.println("WARNING: cannot write the certificate to " + kept + " (" + e.getMessage()
                        + "); clients can trust it with --tls-fingerprint and the fingerprint above");
            }
        }
        Users usersFile = usersFile();
        // With a users file there is no server password: every login names a user (README "Users").
        PasswordCheck pw = usersFile != null ? entry -> false : passwordCheck(resolvePassword(out), "the password");
        PasswordCheck viewer = viewerPasswordCheck();
        SecurityOptions security = securityOptions();
        FileStore store = fileStore();
        Tenancy tenancy = usersFile == null ? null : tenancy(usersFile, store.root());
        ServerOptions options = ServerOptions.of(pw, store)
                .withTenancy(tenancy)
                .withHost(host).withPort(port).withGetChunkSize(getChunk)
                .withViewerPassword(viewer)
                .withTls(tls).withSecurity(security).withMaxFramePayloadLength(maxFrame)
                .withShutdownTimeout(shutdownTimeout).withPings(pingInterval, pingTimeout);
        String warning = plainTextWarning(host, tls != null);
        if (warning != null) {
            spec.commandLine().getErr().println(warning);
            spec.commandLine().getErr().flush();
        }
        AdminOptions admin = adminOptions();
        if (admin != null) {
            admin = admin.withTls(tls);   // the admin listener follows the server: https when it speaks wss
            String adminWarning = adminWarning(admin.host(), tls != null, adminTokenFile != null);
            if (adminWarning != null) {
                spec.commandLine().getErr().println(adminWarning);
                spec.commandLine().getErr().flush();
            }
        }
        // A taken admin port is an error when asked for, a warning on the default one (issue 17).
        boolean adminPortGiven = spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption("--admin-port");
        String adminHostTried = admin == null ? null : admin.host();
        int adminPortTried = admin == null ? 0 : admin.port();
        // Before the recordings and the audit log are made: nothing is left open if these fail.
        Supplier<ReplEngine> engines = engines(store.root());
        if (usersFile != null) {
            // Many people on one server: their programs run confined, or the operator says otherwise (issue 18).
            java.util.Optional<String> unconfined = unsandboxedPrograms();
            if (unconfined.isPresent()) {
                closeEngines();
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--users: " + unconfined.get());
            }
        }
        SessionConfig sessions = sessionConfig().withWorkingDirectory(store.root());
        SessionRecordings recordings = recordings();
        AuditLogFile audit;
        try {
            audit = auditLog == null ? null : auditLog.equals("-") ? AuditLogFile.standardOutput()
                    : AuditLogFile.open(Path.of(auditLog));
        } catch (IOException e) {
            if (recordings != null) {
                recordings.close();
            }
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--audit-log: cannot open " + auditLog + ": " + e.getMessage());
        }
        MonitoredServer monitored;
        try {
            monitored = MonitoredServer.start(options, engines, sessions,
                    new WebReplMetrics(node == null ? Tags.empty() : Tags.of("node", node)), admin, this::enginePool,
                    nodeName, taken -> {
                        StartupFailure why = StartupFailure.cannotBind(true, adminHostTried, adminPortTried);
                        if (adminPortGiven || why.exitCode() != StartupFailure.PORT_IN_USE) {
                            throw why;
                        }
                        spec.commandLine().getErr().println("WARNING: admin port " + adminPortTried + " on "
                                + adminHostTried + " is in use; running without the admin listener (no /metrics, "
                                + "/health or dashboard). Choose another with --admin-port, or --no-admin.");
                        spec.commandLine().getErr().flush();
                    }, recordings, audit);
        } catch (reactor.netty.ChannelBindException e) {
            throw StartupFailure.cannotBind(false, host, port);
        } catch (IllegalArgumentException e) {
            if (tls == null || !e.getMessage().startsWith("cannot use TLS certificate")) {
                throw e;
            }
            // Unusable PEM content: one line that names the files, not a stack trace.
            throw new StartupFailure(StartupFailure.TLS, e.getMessage()
                    + "; give a PEM certificate chain and its PKCS#8 PEM key (README \"`webrepl serve`\", TLS)");
        } finally {
            if (selfSigned != null) {
                selfSigned.close();   // both listeners have built their TLS contexts (or failed): the key goes
            }
        }
        WebReplServer server = monitored.server();
        if (tenancy != null) {
            this.tenancy = tenancy;
            usersWatch = Schedulers.newSingle("webrepl-users", true);
            tenancy.users().watch(usersWatch, USERS_POLL);
            out.println("users: " + tenancy.users().users().size() + " from " + tenancy.users().file() + " (each in "
                    + store.root() + "/NAME" + (quotaBytes > 0 ? ", quota " + quotaBytes + " bytes" : "")
                    + "); log in with NAME:PASSWORD");
        }
        printWhere(out, "webrepl serving", ListenAddresses.urls(server.isSecure() ? "https" : "http", server.address()),
                "(files in " + store.root() + ", engine "
                        + (engine == EngineKind.process ? "process: " + command
                        : engine == EngineKind.jshell ? "jshell, " + jshellExecution.name().toLowerCase() + " execution"
                        : engine == EngineKind.micropython ? micropythonRuntime.describe()
                        : engine.toString()) + ")");
        Sandbox sb = sandbox;
        if (sb != null) {
            out.println("sandbox: " + sb.describe());
        }
        if (!limitTime.isZero()) {
            out.println("time limit per session: " + limitTime.toString().substring(2).toLowerCase());
        }
        if (node != null) {
            out.printf("node %s: session ids %s.*, meters labelled node=%s%n", node, node, node);
        }
        JShellWarmUp wu = warmUp;
        if (wu != null) {
            wu.start();   // now that the server listens: a server that failed to start warms nothing
        }
        if (monitored.admin() != null) {
            printWhere(out, "admin", ListenAddresses.urls(monitored.admin().isSecure() ? "https" : "http",
                    monitored.admin().address()), "(metrics, health, sessions, dashboard)");
        }
        out.flush();
        return monitored;
    }

    /**
     * {@code LABEL URL DETAILS}, the URL a person opens; a wildcard bind's further addresses follow
     * on lines of their own, indented ({@code   URL}).
     */
    private static void printWhere(PrintWriter out, String label, List<String> urls, String details) {
        out.println(label + " " + urls.get(0) + " " + details);
        for (String url : urls.subList(1, urls.size())) {
            out.println("  " + url);
        }
    }

    /** The recordings of --record (its directory made now), or null without it. */
    private SessionRecordings recordings() {
        if (recordDir == null) {
            return null;
        }
        RecordingOptions options;
        try {
            options = RecordingOptions.of(recordDir).withInput(recordInput).withMaxBytes(recordMaxBytes);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--record-max-bytes: " + e.getMessage());
        }
        try {
            return SessionRecordings.start(options);
        } catch (IOException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--record: cannot make " + recordDir + ": " + e);
        }
    }

    /** The --node name, checked before anything starts; null without --node. */
    String nodeName() {
        if (node != null && !SessionIds.NODE_NAME.matcher(node).matches()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--node: \"" + node + "\" is not 1 to 32 of a-z, 0-9 and '-'");
        }
        return node;
    }

    /**
     * The warning for serving beyond this machine in clear text (issue #9), or null: a loopback
     * address, or TLS. A name that does not resolve gets none; binding it fails anyway.
     */
    static String plainTextWarning(String host, boolean tls) {
        if (tls) {
            return null;
        }
        try {
            if (java.net.InetAddress.getByName(host).isLoopbackAddress()) {
                return null;
            }
        } catch (java.net.UnknownHostException e) {
            return null;
        }
        return "WARNING: serving on " + host + " without TLS: passwords and terminals cross the network in clear text. "
                + "Use --tls-cert/--tls-key, or a TLS reverse proxy with --host 127.0.0.1 (README \"Security\").";
    }

    /**
     * The warning for an admin listener beyond this machine, or null: a loopback address, or TLS
     * and a token. Without TLS its token and session list cross the network in clear text; without a
     * token anyone who reaches it can list, watch the meters of and end sessions.
     */
    static String adminWarning(String host, boolean tls, boolean token) {
        if (tls && token) {
            return null;
        }
        try {
            if (java.net.InetAddress.getByName(host).isLoopbackAddress()) {
                return null;
            }
        } catch (java.net.UnknownHostException e) {
            return null;
        }
        String without = !tls && !token ? "without TLS or --admin-token-file" : !tls ? "without TLS" : "without --admin-token-file";
        String what = !tls && !token ? "anyone who reaches it can list and end sessions, in clear text"
                : !tls ? "its token, meters and session list cross the network in clear text"
                : "anyone who reaches it can list and end sessions";
        return "WARNING: admin listener on " + host + " " + without + ": " + what + ". Use "
                + (!tls && !token ? "--tls-cert/--tls-key and --admin-token-file" : !tls ? "--tls-cert/--tls-key" : "--admin-token-file")
                + ", or --admin-host 127.0.0.1 (README \"Security\").";
    }

    /** The browser origins allowed besides the server's own: the official page's unless strict, then --allowed-origin. */
    private List<String> origins() {
        List<String> origins = new java.util.ArrayList<>(strictOrigin ? List.of() : SecurityOptions.OFFICIAL_PAGE_ORIGINS);
        origins.addAll(allowedOrigins);
        return origins;
    }

    /** The defences as configured; a bad value is a usage error. */
    SecurityOptions securityOptions() {
        try {
            SecurityOptions failures = SecurityOptions.DEFAULTS.withLoginFailures(maxLoginFailures, lockout);
            if (hardLockoutFailures != null) {
                failures = failures.withHardLockoutFailures(hardLockoutFailures);
            }
            return failures
                    .withAllowedOrigins(origins())
                    .withTimeouts(handshakeTimeout, loginTimeout)
                    .withMaxHeaderBytes(maxHeaderBytes)
                    .withMaxConnectionsPerAddress(maxConnectionsPerAddress)
                    .withAllowedHosts(allowedHosts)
                    .withMaxSessionsPerAddress(maxSessionsPerAddress);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** A password line (plain or a hash); a malformed hash is a usage error that does not quote the line. */
    private PasswordCheck passwordCheck(String line, String source) {
        try {
            return PasswordCheck.parse(line);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), source + ": " + e.getMessage());
        }
    }

    /** --viewer-password or --viewer-password-file (not both), or null for no viewer password. */
    private PasswordCheck viewerPasswordCheck() throws IOException {
        if (viewerPassword != null && viewerPasswordFile != null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--viewer-password and --viewer-password-file: give one");
        }
        if (viewerPassword != null) {
            return passwordCheck(requireNonEmpty(viewerPassword, "--viewer-password"), "--viewer-password");
        }
        if (viewerPasswordFile != null) {
            return passwordCheck(firstLine(viewerPasswordFile, "--viewer-password-file"), "--viewer-password-file "
                    + viewerPasswordFile);
        }
        return null;
    }

    private String firstLine(Path file, String option) {
        String first;
        try {
            first = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("");
        } catch (java.nio.file.NoSuchFileException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), option + ": " + file + ": no such file");
        } catch (IOException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), option + ": cannot read " + file
                    + " (" + e.getMessage() + ")");
        }
        return requireNonEmpty(first.strip(), option + " " + file);
    }

    /**
     * The TLS files, or null without TLS: both flags or neither, and both files readable, checked
     * before anything starts so the message names the flag and the file.
     */
    TlsFiles tlsFiles() {
        if (tlsSelfSigned && (tlsCert != null || tlsKey != null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--tls-self-signed makes its own certificate: leave out --tls-cert and --tls-key");
        }
        if (tlsSelfSignedCert != null && !tlsSelfSigned) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--tls-self-signed-cert needs --tls-self-signed");
        }
        if (tlsCert == null && tlsKey == null) {
            return null;
        }
        if (tlsCert == null || tlsKey == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--tls-cert and --tls-key go together: give both (or neither, for plain ws://)");
        }
        try {
            return new TlsFiles(tlsCert, tlsKey).requireReadable();
        } catch (IllegalArgumentException e) {
            throw new StartupFailure(StartupFailure.TLS,
                    (e.getMessage().startsWith("TLS certificate") ? "--tls-cert: " : "--tls-key: ") + e.getMessage()
                    + "; give a readable PEM file");
        }
    }

    /** How often the users file is checked for changes (its modification time, size and identity). */
    static final Duration USERS_POLL = Duration.ofSeconds(2);
    /** The users of this server, once started with --users; null otherwise. */
    private volatile Tenancy tenancy;
    private volatile reactor.core.scheduler.Scheduler usersWatch;

    /** --users, read and checked now; null without it. Bad lines and conflicting options are usage errors. */
    private Users usersFile() throws IOException {
        if (users == null) {
            return null;
        }
        for (String[] conflict : new String[][] {{"--password", password}, {"--password-file", str(passwordFile)},
                {"--viewer-password", viewerPassword}, {"--viewer-password-file", str(viewerPasswordFile)}}) {
            if (conflict[1] != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--users and " + conflict[0]
                        + ": give one (with a users file, every login is NAME:PASSWORD)");
            }
        }
        if (quotaBytes < 0 || maxSessionsPerUser < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--quota-bytes and --max-sessions-per-user are 0 (none) or more");
        }
        try {
            Users read = Users.parse(Files.readAllLines(users));
            if (read.size() == 0) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--users " + users + ": no users");
            }
            return read;
        } catch (Users.BadLine e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--users " + users + ": " + e.getMessage());
        } catch (IOException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--users " + users + ": cannot read it ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private static String str(Path p) {
        return p == null ? null : p.toString();
    }

    /** The users file loaded for serving, with a warning per plain password (the user's name, never the password). */
    private Tenancy tenancy(Users checked, Path fileRoot) throws IOException {
        UserDirectory directory;
        try {
            directory = UserDirectory.load(users, new SecureRandom());
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--users " + users + ": " + e.getMessage());
        }
        for (String name : directory.users().plainPasswords()) {
            spec.commandLine().getErr().println("WARNING: " + directory.plainWarning(name));
        }
        spec.commandLine().getErr().flush();
        return new Tenancy(directory, new UserRoots(fileRoot, quotaBytes), maxSessionsPerUser);
    }

    /**
     * The file root, created if missing; one that cannot be created or used is a start-up failure
     * that names it and says what to do.
     */
    private FileStore fileStore() {
        try {
            return new FileStore(root);
        } catch (IllegalStateException unsupported) {
            // Not Linux on x86_64 or aarch64: the race-free file store cannot work here (README "Security").
            throw new StartupFailure(StartupFailure.FILE_ROOT, "cannot serve files here: " + unsupported.getMessage());
        } catch (IOException e) {
            String why = e instanceof java.nio.file.FileAlreadyExistsException ? "a file of that name is in the way"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                    : String.valueOf(e.getMessage());
            throw new StartupFailure(StartupFailure.FILE_ROOT, "cannot create the file root " + root + " ("
                    + why + "); choose a directory that can be created, with --root");
        }
    }

    /** Where the admin listener binds, or null with --no-admin. */
    AdminOptions adminOptions() {
        if (noAdmin) {
            return null;
        }
        AdminOptions options;
        try {
            options = new AdminOptions(adminHost, adminPort);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--admin-port: " + e.getMessage());
        }
        AdminAccess access;
        try {
            access = AdminAccess.NONE.withAllowedHosts(adminAllowedHosts);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--admin-allowed-host: " + e.getMessage());
        }
        if (adminTokenFile != null) {
            try {
                access = access.withToken(AdminToken.fromFile(adminTokenFile));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--admin-token-file: " + e.getMessage());
            }
        }
        return options.withAccess(access);
    }

    /** What /health says about the engines: the JShell warm pool if there is one, else the engine kind. */
    Map<String, Object> enginePool() {
        JShellPool p = pool;
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("kind", engine.name());
        if (p != null) {
            info.put("warm", p.idle());
            info.put("size", p.size());
            if (p.auto()) {
                info.put("auto", true);
            }
        }
        return info;
    }

    /** One engine per session, as chosen with --engine. */
    Supplier<ReplEngine> engines(Path workingDirectory) {
        if (command != null && engine != EngineKind.process) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--command needs --engine process");
        }
        if (engine == EngineKind.jshell) {
            JShellConfig config = JShellConfig.defaults().withExecution(jshellExecution);
            if (jshellVmOptions != null) {
                config = config.withRemoteVmOptions(List.of(jshellVmOptions.trim().split("\\s+")));
            }
            if (jshellExecution == JShellConfig.Execution.REMOTE) {
                childClasses = ChildClasses.create(Path.of(System.getProperty("java.io.tmpdir")), jshellClassArchive);
                config = config.withChildClasses(childClasses);
            }
            boolean auto = prewarm.trim().equals("auto");
            int warm;
            try {
                warm = auto ? PREWARM_AUTO_MAX : Integer.parseInt(prewarm.trim());
            } catch (NumberFormatException e) {
                warm = -1;
            }
            if (warm < 0) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--prewarm must be 0 or more, or auto: " + prewarm);
            }
            // REMOTE child JVMs run in the sandbox like other programs (issue 18); a warm one waits in a
            // sandbox over the file root, so only a server without users (one root) keeps a pool.
            Sandbox sb = jshellExecution == JShellConfig.Execution.REMOTE ? sandbox(workingDirectory) : null;
            hibernation = Hibernation.after(jshellHibernateAfter);
            Supplier<LineEvaluator> evaluators;
            if (sb != null && sb.confines()) {
                if (warm > 0 && users != null) {
                    spec.commandLine().getErr().println("NOTE: --prewarm is not used with --users: each user's "
                            + "JShell starts in a sandbox over that user's files");
                    spec.commandLine().getErr().flush();
                }
                pool = warm > 0 && users == null ? JShellPool.confined(config, warm, auto, sb, workingDirectory) : null;
                evaluators = JShellEngines.factory(config, pool, sb, hibernation);
            } else {
                pool = warm == 0 ? null : auto ? JShellPool.auto(config, warm) : JShellPool.start(config, warm);
                evaluators = JShellEngines.factory(config, pool, hibernation);
            }
            if (jshellWarmUp) {
                warmUp = JShellWarmUp.of(evaluators, pool, workingDirectory);
            }
            return () -> new LineDiscipline(evaluators.get());
        }
        if (micropython != null && engine != EngineKind.micropython) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--micropython needs --engine micropython");
        }
        if (engine == EngineKind.echo) {
            return EchoEvaluator::engine;
        }
        if (engine == EngineKind.micropython) {
            Sandbox sb = sandbox(workingDirectory);
            MicroPythonRuntime.Sandbox confined = micropythonSandbox != null ? micropythonSandbox
                    : sb.confines() ? MicroPythonRuntime.Sandbox.bubblewrap : MicroPythonRuntime.Sandbox.none;
            MicroPythonRuntime.Detection found = MicroPythonRuntime.detect(micropythonRuntimeKind,
                    java.util.Optional.ofNullable(micropython), java.util.Optional.ofNullable(micropythonWasm),
                    confined, System.getenv());
            if (found.runtime().isEmpty()) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), found.problem());
            }
            MicroPythonRuntime runtime = found.runtime().get();
            java.util.Optional<String> problem = runtime.probe(workingDirectory, Duration.ofSeconds(20));
            if (problem.isPresent()) {
                runtime.close();
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), problem.get());
            }
            micropythonRuntime = runtime;
            return () -> new MicroPythonEngine(runtime, Duration.ofSeconds(2), sb);
        }
        if (engine == EngineKind.flood) {
            return () -> FloodEngine.onCommand(FLOOD_WRITE);
        }
        if (command == null || command.isBlank()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--engine process needs --command, e.g. --command \"/usr/bin/python3 -i\"");
        }
        // Unconfined, the child gets the server's environment (PATH, HOME, LANG); sandboxed, only its locale
        // and terminal (Sandbox.environment). TERM is set by the engine.
        ProcessEngineConfig checked = new ProcessEngineConfig(List.of(command.trim().split("\\s+")), System.getenv(),
                workingDirectory, 80, 24, Duration.ofSeconds(2));
        // A program that cannot start is refused now, in one line, not in every session (issue 17 item 7).
        java.util.Optional<String> problem = ProcessEngine.startProblem(checked);
        if (problem.isPresent()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), problem.get());
        }
        Sandbox sb = sandbox(workingDirectory);
        ProcessEngineConfig config = sb.confines() ? new ProcessEngineConfig(checked.command(),
                Sandbox.environment(System.getenv()), workingDirectory, 80, 24, Duration.ofSeconds(2)) : checked;
        if (ptyLoop == null) {
            try {
                ptyLoop = new dev.webrepl.engines.process.PtyLoop("webrepl-pty");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the pty loop: " + e.getMessage(), e);
            }
        }
        dev.webrepl.engines.process.PtyLoop loop = ptyLoop;
        return () -> new ProcessEngine(config, ProcessEngine.Readiness.TERMINAL_TAKEN, sb, loop);
    }

    /** The --limit-* values; a bad one is a usage error. */
    SandboxLimits limits() {
        long memory;
        try {
            memory = SandboxLimits.parseBytes(limitMemory);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--limit-memory: " + e.getMessage());
        }
        try {
            return new SandboxLimits(memory, limitCpu, limitProcesses, limitFiles);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /**
     * The sandbox of the engines that run programs, made once: bwrap as asked, or by default when it
     * works here (probed over {@code root}); else none, with a warning when it was not asked for. A
     * sandbox asked for that cannot start is a usage error that says why.
     */
    Sandbox sandbox(Path root) {
        Sandbox made = sandbox;
        if (made != null) {
            return made;
        }
        SandboxLimits limits = limits();
        if (sandboxMode == Sandbox.Mode.none) {
            made = Sandbox.none();
        } else {
            String why;
            java.util.Optional<Path> bwrap = Sandbox.findBwrap(System.getenv());
            if (bwrap.isEmpty()) {
                why = "no bwrap (Debian: apt-get install bubblewrap)";
            } else {
                try {
                    made = Sandbox.bubblewrap(bwrap.get(), sandboxNetwork, limits);
                    why = made.probe(root).orElse(null);
                    if (why != null) {
                        made.close();
                        made = null;
                    }
                } catch (IOException e) {
                    why = e.getMessage();
                }
            }
            if (made == null) {
                if (sandboxMode == Sandbox.Mode.bwrap) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--sandbox bwrap: " + why);
                }
                spec.commandLine().getErr().println("WARNING: no sandbox (" + why + "): programs in sessions run as "
                        + "the server's user, see its files and have no limits. Pass --sandbox none to say that is "
                        + "meant (README \"Sandbox and limits\").");
                spec.commandLine().getErr().flush();
                made = Sandbox.none();
            }
        }
        sandbox = made;
        return made;
    }

    /**
     * Why this server would run programs outside a sandbox without being told to ({@code --sandbox none}),
     * or empty: the rule for servers with more than one user (issue 18: with {@code --users}, such a
     * server refuses to start), kept here in one place. Call after {@link #engines}: jshell's REMOTE
     * child JVMs are confined when the sandbox is; LOCAL runs user code in the server itself.
     */
    java.util.Optional<String> unsandboxedPrograms() {
        if (sandboxMode == Sandbox.Mode.none) {
            return java.util.Optional.empty();
        }
        boolean confined = sandbox != null && sandbox.confines();
        String what = switch (engine) {
            case process -> confined ? null : "--engine process";
            case micropython -> confined && micropythonRuntime != null && micropythonRuntime.sandboxed() ? null
                    : "--engine micropython";
            case jshell -> jshellExecution == JShellConfig.Execution.LOCAL
                    ? "--engine jshell with LOCAL execution (in the server's JVM)"
                    : confined ? null : "--engine jshell (its child JVMs)";
            default -> null;
        };
        return what == null ? java.util.Optional.empty() : java.util.Optional.of(what
                + " would run programs without a sandbox; give --sandbox none to allow that");
    }

    SessionConfig sessionConfig() {
        try {
            return SessionConfig.DEFAULTS.withMaxSessions(maxSessions).withMaxTerminals(maxTerminals)
                    .withLinger(linger).withIdleTimeout(idleTimeout).withInputQueueBytes(inputQueue)
                    .withOutputLimits(outputLowWater, outputHighWater, outputCap).withScrollbackBytes(scrollback)
                    .withTimeLimit(limitTime);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** Durations as {@code 90s}, {@code 5m}, {@code 1h}, {@code 250ms} or plain seconds. */
    static final class LogFormatConverter implements picocli.CommandLine.ITypeConverter<LogFormat> {
        @Override
        public LogFormat convert(String value) {
            return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "text" -> LogFormat.TEXT;
                case "json" -> LogFormat.JSON;
                default -> throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a log format: "
                        + "give text or json");
            };
        }
    }

    static final class LogLevelConverter implements picocli.CommandLine.ITypeConverter<LogLevel> {
        @Override
        public LogLevel convert(String value) {
            try {
                return LogLevel.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)?").matcher(value.trim());
            if (!m.matches()) {
                throw new picocli.CommandLine.TypeConversionException("not a duration: " + value + " (e.g. 90s, 5m, 1h)");
            }
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            };
        }
    }

    private String resolvePassword(PrintWriter out) throws IOException {
        if (password != null) {
            return requireNonEmpty(password, "--password");
        }
        if (passwordFile != null) {
            return firstLine(passwordFile, "--password-file");
        }
        String env = System.getenv(PASSWORD_ENV);
        if (env != null) {
            return requireNonEmpty(env, "$" + PASSWORD_ENV);
        }
        SecureRandom random = new SecureRandom();
        StringBuilder generated = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            generated.append(PASSWORD_ALPHABET.charAt(random.nextInt(PASSWORD_ALPHABET.length())));
        }
        out.println("Generated password (shown once): " + generated);
        return generated.toString();
    }

    private String requireNonEmpty(String value, String source) {
        if (value.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "empty password from " + source);
        }
        return value;
    }
}
