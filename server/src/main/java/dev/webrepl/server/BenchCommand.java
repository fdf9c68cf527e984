package dev.webrepl.server;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.loadtest.FanoutBenchmark;
import dev.webrepl.loadtest.FloodEngine;
import dev.webrepl.loadtest.KeystrokeBenchmark;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.engines.jshell.JShellConfig;
import dev.webrepl.engines.jshell.JShellEngines;
import dev.webrepl.engines.jshell.JShellPool;
import dev.webrepl.loadtest.TransferBenchmark;
import dev.webrepl.metrics.WebReplMetrics;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.client.WireMode;
import dev.webrepl.transport.server.ServerOptions;
import dev.webrepl.transport.server.WebReplServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import dev.webrepl.core.engine.ReplEngine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code webrepl bench}: with {@code --scenario}, the load generator against any WebREPL server
 * ({@link LoadOptions}); with a subcommand, benchmarks against servers it starts itself on loopback.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        synopsisSubcommandLabel = "[COMMAND]",
        description = {
                "Load-tests a WebREPL server (ours or another) with --scenario, from this process; or, with a "
                        + "subcommand, runs a benchmark against in-process servers on 127.0.0.1.",
                "",
                "Scenarios (--scenario):",
                "  idle     " + "open --sessions sessions and hold them, sending nothing",
                "  typing   " + "keys at --rate/s per session, --think per line; keystroke-to-echo latency",
                "  flood    " + "the engine writes --size bytes per command, again at each prompt",
                "  put      " + "each session uploads a --size-byte file again and again",
                "  get      " + "each session downloads a --size-byte file again and again",
                "  viewers  " + "sessions that type (or flood, with --writer flood), each watched by --viewers "
                        + "read-only terminals",
                "  mixed    " + "sessions split by --mix among idle, typing, flood, put and get",
                "",
                "Writes report.json and a self-contained report.html with --report DIR. Exit 0 for a clean run, "
                        + "1 if a session failed, was lost or aborted or an error was counted, 2 for a usage error.",
                ""},
        subcommands = {BenchCommand.Transfer.class, BenchCommand.Sessions.class, BenchCommand.Fanout.class,
                BenchCommand.JShellStart.class, BenchCommand.Engines.class, BenchCommand.MetricsOverhead.class})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    LoadOptions load = new LoadOptions();

    @Override
    public Integer call() throws Exception {
        return load.run(spec);
    }

    /** {@code webrepl bench transfer}: PUT and GET throughput, ours against the reference's settings. */
    @Command(name = "transfer", mixinStandardHelpOptions = true,
            description = "Times PUT and GET of one file on loopback, for several GET chunk sizes and PUT frame "
                    + "sizes, the reference's (256-byte chunks; webrepl_cli's 1024-byte frames) among them. "
                    + "Every transfer is checked byte for byte. Prints a Markdown table.")
    static final class Transfer implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--size-mb", defaultValue = "100", description = "File size in MB (10^6 bytes; default ${DEFAULT-VALUE}).")
        int sizeMb;

        @Option(names = "--get-chunks", split = ",", defaultValue = "256,1024,4096,16384,32768,65533",
                description = "GET chunk sizes to compare (default ${DEFAULT-VALUE}).")
        List<Integer> getChunks;

        @Option(names = "--put-frames", split = ",", defaultValue = "1024,16384,65535",
                description = "PUT frame payload sizes to compare with the standard client (default ${DEFAULT-VALUE}); "
                        + "the legacy client's 1024 is always measured.")
        List<Integer> putFrames;

        @Option(names = "--rounds", defaultValue = "3", description = "Rounds per configuration; the median is reported (default ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--dir", description = "Where to put the test files (default: a new temporary directory, deleted afterwards).")
        Path dir;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("webrepl-bench");
            try {
                Path root = Files.createDirectories(work.resolve("root"));
                Path source = work.resolve("source.bin");
                writeRandom(source, sizeMb * 1_000_000L);
                Files.copy(source, root.resolve("file.bin"));
                out.printf("Transfer of %d MB on loopback, median of %d rounds; %d cores, JDK %s (%s)%n%n",
                        sizeMb, rounds, Runtime.getRuntime().availableProcessors(),
                        System.getProperty("java.version"), System.getProperty("java.vm.name"));
                out.println("| operation | client | server | median MB/s | min–max MB/s | median time |");
                out.println("|---|---|---|---:|---:|---:|");
                for (int chunk : getChunks) {
                    row(out, "GET", "standard", "GET chunk " + chunk + (chunk == 256 ? " (reference)" : ""),
                            measureGet(root, work, chunk, WireMode.STANDARD));
                }
                row(out, "PUT", "legacy (webrepl_cli wire), 1024-byte frames", "default",
                        measurePut(root, source, WireMode.LEGACY, WebReplClient.LEGACY_PUT_FRAME_SIZE));
                for (int frame : putFrames) {
                    row(out, "PUT", "standard, " + frame + "-byte frames", "default",
                            measurePut(root, source, WireMode.STANDARD, frame));
                }
                out.flush();
                return 0;
            } finally {
                if (dir == null) {
                    deleteTree(work);
                }
            }
        }

        private TransferBenchmark.Summary measureGet(Path root, Path work, int chunk, WireMode mode) throws IOException {
            try (WebReplServer server = startServer(root, EchoEvaluator::engine, SessionConfig.DEFAULTS, chunk);
                 WebReplClient client = WebReplClient.newBuilder().wireMode(mode).build()) {
                TransferBenchmark bench = new TransferBenchmark(client, "127.0.0.1", server.port(), PASSWORD, TIMEOUT);
                return bench.get("file.bin", work.resolve("got.bin"), root.resolve("file.bin"), rounds);
            }
        }

        private TransferBenchmark.Summary measurePut(Path root, Path source, WireMode mode, int frame) throws IOException {
            try (WebReplServer server = startServer(root, EchoEvaluator::engine, SessionConfig.DEFAULTS);
                 WebReplClient client = WebReplClient.newBuilder().wireMode(mode).putFrameSize(frame).build()) {
                TransferBenchmark bench = new TransferBenchmark(client, "127.0.0.1", server.port(), PASSWORD, TIMEOUT);
                return bench.put(source, "put.bin", root.resolve("put.bin"), rounds);
            }
        }

        private static void row(PrintWriter out, String op, String client, String server, TransferBenchmark.Summary s) {
            TransferBenchmark.Measurement m = s.median();
            out.printf("| %s | %s | %s | %.1f | %.1f–%.1f | %.2f s |%n", op, client, server, m.megabytesPerSecond(),
                    s.minMegabytesPerSecond(), s.maxMegabytesPerSecond(), m.elapsed().toNanos() / 1e9);
            out.flush();
        }
    }

    /** {@code webrepl bench sessions}: server heap per idle session, clients in a separate process. */
    @Command(name = "sessions", mixinStandardHelpOptions = true,
            description = "Opens N idle echo-engine sessions (clients in a child JVM) against an in-process server "
                    + "and reports the server's heap per session (used heap after GC, before and after).")
    static final class Sessions implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--counts", split = ",", defaultValue = "1000,10000", description = "Session counts (default ${DEFAULT-VALUE}).")
        List<Integer> counts;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            out.printf("Idle sessions, echo engine; %d cores, JDK %s, max heap %d MB%n%n",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                    Runtime.getRuntime().maxMemory() >> 20);
            out.println("| connections | state | heap before | heap with them | heap per connection |");
            out.println("|---:|---|---:|---:|---:|");
            out.flush();
            for (int n : counts) {
                measure(out, n, true);
                measure(out, n, false);
            }
            return 0;
        }

        private void measure(PrintWriter out, int n, boolean connectOnly) throws Exception {
            {
                Path root = Files.createTempDirectory("webrepl-bench");
                SessionConfig config = SessionConfig.DEFAULTS.withMaxSessions(n + 10).withIdleTimeout(Duration.ZERO);
                try (WebReplServer server = startServer(root, EchoEvaluator::engine, config)) {
                    long before = usedHeapAfterGc();
                    Process clients = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                            "-cp", System.getProperty("java.class.path"), "dev.webrepl.loadtest.IdleClients",
                            String.valueOf(server.port()), PASSWORD, String.valueOf(n),
                            connectOnly ? "connect-only" : "login")
                            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                    try {
                        String ready = new java.io.BufferedReader(new java.io.InputStreamReader(
                                clients.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII)).readLine();
                        int sessions = server.sessions().size();
                        if (ready == null || !ready.equals("READY " + n) || sessions != (connectOnly ? 0 : n)) {
                            throw new IOException("clients reported " + ready + ", server has "
                                    + sessions + " sessions");
                        }
                        long with = usedHeapAfterGc();
                        out.printf("| %d | %s | %.1f MB | %.1f MB | %.1f KB |%n", n,
                                connectOnly ? "at the password prompt (no session)" : "logged in, idle echo session",
                                before / 1e6, with / 1e6, (with - before) / 1e3 / n);
                        out.flush();
                    } finally {
                        clients.getOutputStream().close();
                        if (!clients.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                            clients.destroyForcibly();
                        }
                    }
                } finally {
                    deleteTree(root);
                }
            }
        }
    }

    /** {@code webrepl bench fanout}: one session's output to 1, 10, 100 terminals. */
    @Command(name = "fanout", mixinStandardHelpOptions = true,
            description = "One session whose engine writes a fixed volume as fast as the terminals take it, with 1, 10, "
                    + "100 attached terminals (clients in this JVM); reports output MB/s per terminal.")
    static final class Fanout implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--terminals", split = ",", defaultValue = "1,10,100", description = "Terminal counts (default ${DEFAULT-VALUE}).")
        List<Integer> terminals;

        @Option(names = "--mb", defaultValue = "20", description = "MB (10^6 bytes) written by the engine per run (default ${DEFAULT-VALUE}).")
        int mb;

        @Option(names = "--rounds", defaultValue = "3", description = "Runs per terminal count; the median run is reported (default ${DEFAULT-VALUE}).")
        int rounds;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            long bytes = mb * 1_000_000L;
            out.printf("Fan-out of %d MB from one session, median of %d runs; %d cores, JDK %s%n%n", mb, rounds,
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
            out.println("| terminals | MB/s per terminal (median terminal) | MB/s slowest terminal | MB/s all terminals |");
            out.println("|---:|---:|---:|---:|");
            out.flush();
            Path root = Files.createTempDirectory("webrepl-bench");
            try (WebReplServer server = startServer(root, () -> new FloodEngine(bytes, 16384),
                            // The producer runs at the pace of the fastest terminal (dupterm's rule); the cap is
                            // raised above the volume so that no slower terminal is cut off mid-measurement.
                            SessionConfig.DEFAULTS.withMaxTerminals(1000)
                                    .withOutputLimits(64 * 1024, 256 * 1024, bytes + (1 << 20)));
                 WebReplClient client = WebReplClient.newBuilder().build()) {
                for (int t : terminals) {
                    List<FanoutBenchmark.Result> runs = new ArrayList<>();
                    for (int r = 0; r < rounds; r++) {
                        runs.add(FanoutBenchmark.run(client, server.port(), PASSWORD, t, bytes, TIMEOUT));
                    }
                    runs.sort(Comparator.comparingDouble(FanoutBenchmark.Result::slowestMegabytesPerSecond));
                    FanoutBenchmark.Result m = runs.get(runs.size() / 2);
                    out.printf("| %d | %.1f | %.1f | %.1f |%n", t, m.medianMegabytesPerSecond(),
                            m.slowestMegabytesPerSecond(), m.aggregateMegabytesPerSecond());
                    out.flush();
                }
            } finally {
                deleteTree(root);
            }
            return 0;
        }
    }

    /**
     * The REMOTE children's class path and class archive as a serving server has them once its first
     * child started (its warm-up's): made under {@code root} now, the archive awaited, said on {@code out}.
     */
    static dev.webrepl.engines.jshell.ChildClasses childClasses(PrintWriter out, Path root, boolean archive,
            JShellConfig config) throws Exception {
        dev.webrepl.engines.jshell.ChildClasses classes = dev.webrepl.engines.jshell.ChildClasses.create(root, archive);
        try {
            dev.webrepl.engines.jshell.JShellInstance.start(config.withChildClasses(classes)).close(); // the first use
            java.util.Optional<Path> made = classes.made().get(2, java.util.concurrent.TimeUnit.MINUTES);
            out.println("jshell child JVMs: class path " + classes.directory().map(d -> d.resolve("agent.jar"))
                    .map(Path::toString).orElse("the server's jar") + ", class archive "
                    + (made.isPresent() ? Files.size(made.get()) / 1024 + " KB" : "none"));
            out.println();
            return classes;
        } catch (Exception | Error e) {
            classes.close();
            throw e;
        }
    }

    /** {@code webrepl bench jshell}: session start time of the JShell engine, cold and warm, both modes. */
    @Command(name = "jshell", mixinStandardHelpOptions = true,
            description = "Time from connecting to the first JShell result (connect, login, '1 + 1', '$1 ==> 2') for "
                    + "sessions opened one after another: cold (no pool) and warm (--prewarm pool with an idle instance "
                    + "waiting), in REMOTE and LOCAL execution. Prints p50, p99 and max.")
    static final class JShellStart implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--sessions", defaultValue = "20", description = "Sessions per configuration (default ${DEFAULT-VALUE}).")
        int sessions;

        @Option(names = "--executions", split = ",", defaultValue = "REMOTE,LOCAL", description = "Modes (default ${DEFAULT-VALUE}).")
        List<JShellConfig.Execution> executions;

        @Option(names = "--jshell-class-archive", arity = "0..1", fallbackValue = "true", defaultValue = "true",
                paramLabel = "true|false", description = "As serve's: REMOTE children with the class archive, made "
                        + "before the sessions are timed, as a serving server's warm-up makes it (default ${DEFAULT-VALUE}).")
        boolean jshellClassArchive;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            out.printf("JShell session start, %d sessions per row, one after another; %d cores, JDK %s%n%n", sessions,
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
            Path classRoot = Files.createTempDirectory("webrepl-bench");
            dev.webrepl.engines.jshell.ChildClasses classes = dev.webrepl.engines.jshell.ChildClasses.ENGINES;
            try {
                if (executions.contains(JShellConfig.Execution.REMOTE)) {
                    classes = childClasses(out, classRoot, jshellClassArchive, JShellConfig.defaults());
                }
                out.println("| execution | engine | p50 | p99 | max |");
                out.println("|---|---|---:|---:|---:|");
                out.flush();
                for (JShellConfig.Execution execution : executions) {
                    JShellConfig config = JShellConfig.defaults().withExecution(execution).withChildClasses(classes);
                    for (boolean warm : new boolean[] {false, true}) {
                        long[] nanos = measure(config, warm);
                        java.util.Arrays.sort(nanos);
                        out.printf("| %s | %s | %.0f ms | %.0f ms | %.0f ms |%n", execution,
                                warm ? "warm (pool of 2)" : "cold (no pool)", percentile(nanos, 50) / 1e6,
                                percentile(nanos, 99) / 1e6, nanos[nanos.length - 1] / 1e6);
                        out.flush();
                    }
                }
            } finally {
                classes.close();
                deleteTree(classRoot);
            }
            return 0;
        }

        private long[] measure(JShellConfig config, boolean warm) throws Exception {
            long[] nanos = new long[sessions];
            Path root = Files.createTempDirectory("webrepl-bench");
            JShellPool pool = warm ? JShellPool.start(config, 2) : null;
            java.util.function.Supplier<dev.webrepl.core.engine.LineEvaluator> evaluators = JShellEngines.factory(config, pool);
            try (WebReplServer server = startServer(root,
                    () -> new dev.webrepl.core.terminal.LineDiscipline(evaluators.get()), SessionConfig.DEFAULTS);
                 WebReplClient client = WebReplClient.newBuilder().build()) {
                for (int i = 0; i < sessions; i++) {
                    if (pool != null) {
                        long deadline = System.nanoTime() + TIMEOUT.toNanos();
                        while (pool.idle() == 0 && System.nanoTime() < deadline) {
                            Thread.sleep(10);
                        }
                    }
                    long start = System.nanoTime();
                    openAndAsk(client, server.port(), "1 + 1\r", "$1 ==> 2").close();
                    nanos[i] = System.nanoTime() - start;
                }
            } finally {
                if (pool != null) {
                    pool.close();
                }
                deleteTree(root);
            }
            return nanos;
        }

        private static double percentile(long[] sorted, int p) {
            int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
        }
    }

    /** {@code webrepl bench engines}: memory and start time per engine, and pty output throughput. */
    @Command(name = "engines", mixinStandardHelpOptions = true,
            description = "For each engine: N sessions opened one after another (start time: connect to the first "
                    + "answer), then the server's heap and the child processes' RSS per session while all are open. "
                    + "Then the process engine's output throughput against the same command in a bare pty.")
    static final class Engines implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--sessions", defaultValue = "10", description = "Sessions per engine (default ${DEFAULT-VALUE}).")
        int sessions;

        @Option(names = "--mb", defaultValue = "20", description = "MB the throughput command writes (default ${DEFAULT-VALUE}).")
        int mb;

        @Option(names = "--jshell-vm-options", description = "Options of jshell's child JVMs, split at spaces "
                + "(default: serve's), to compare footprints in one run.")
        String jshellVmOptions;

        @Option(names = "--jshell-class-archive", arity = "0..1", fallbackValue = "true", defaultValue = "true",
                paramLabel = "true|false", description = "As serve's: jshell's REMOTE children with the class archive, "
                        + "made before the sessions are measured (default ${DEFAULT-VALUE}).")
        boolean jshellClassArchive;

        // The child JVMs' class path and archive, as serve has them; made in call().
        private dev.webrepl.engines.jshell.ChildClasses childClasses = dev.webrepl.engines.jshell.ChildClasses.ENGINES;

        private JShellConfig jshell() {
            JShellConfig c = JShellConfig.defaults().withChildClasses(childClasses);
            return jshellVmOptions == null ? c : c.withRemoteVmOptions(List.of(jshellVmOptions.trim().split("\\s+")));
        }


        private record Probe(String name, Supplier<ReplEngine> engines, String input, String answer) {
        }

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            out.printf("Engines, %d sessions each, opened one after another and then held; %d cores, JDK %s%n%n",
                    sessions, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
            Path root = Files.createTempDirectory("webrepl-bench");
            // The process engine also sandboxed, with serve's default limits, when bwrap is here (issue 18).
            dev.webrepl.engines.sandbox.Sandbox sandbox = null;
            java.util.Optional<Path> bwrap = dev.webrepl.engines.sandbox.Sandbox.findBwrap(System.getenv());
            if (bwrap.isPresent()) {
                sandbox = dev.webrepl.engines.sandbox.Sandbox.bubblewrap(bwrap.get(), false,
                        dev.webrepl.engines.sandbox.SandboxLimits.DEFAULTS);
            }
            try {
                childClasses = childClasses(out, root, jshellClassArchive, jshell());
                out.println("| engine | start p50 | start max | server heap per session | child RSS per session "
                        + "| child PSS per session |");
                out.println("|---|---:|---:|---:|---:|---:|");
                out.flush();
                for (Probe probe : probes(root, sandbox)) {
                    measure(out, root, probe);
                }
                out.println();
                throughput(out, root);
                if (sandbox != null) {
                    out.println();
                    out.println("sandbox: " + sandbox.describe());
                }
            } finally {
                childClasses.close();
                if (sandbox != null) {
                    sandbox.close();
                }
                deleteTree(root);
            }
            return 0;
        }

        private List<Probe> probes(Path root, dev.webrepl.engines.sandbox.Sandbox sandbox) {
            List<Probe> probes = new ArrayList<>();
            probes.add(new Probe("echo", EchoEvaluator::engine, "ping\r", "ping\r\nping\r\n"));
            for (JShellConfig.Execution e : JShellConfig.Execution.values()) {
                java.util.function.Supplier<dev.webrepl.core.engine.LineEvaluator> evaluators =
                        JShellEngines.factory(jshell().withExecution(e), null);
                probes.add(new Probe("jshell " + e.name().toLowerCase(),
                        () -> new dev.webrepl.core.terminal.LineDiscipline(evaluators.get()), "1 + 1\r", "$1 ==> 2"));
            }
            probes.add(process(root, "process /bin/sh", List.of("/bin/sh"), "echo rea''dy\r", "ready\r\n"));
            if (Files.isExecutable(Path.of("/usr/bin/python3"))) {
                probes.add(process(root, "process /usr/bin/python3 -i -q", List.of("/usr/bin/python3", "-i", "-q"),
                        "6*7\r", "42\r\n"));
            }
            if (sandbox != null) {
                java.util.function.Supplier<dev.webrepl.core.engine.LineEvaluator> confined =
                        JShellEngines.factory(jshell(), null, sandbox);
                probes.add(new Probe("jshell remote, sandboxed",
                        () -> new dev.webrepl.core.terminal.LineDiscipline(confined.get()), "1 + 1\r", "$1 ==> 2"));
                probes.add(sandboxed(root, sandbox, "process /bin/sh, sandboxed", List.of("/bin/sh"), "echo rea''dy\r",
                        "ready\r\n"));
                if (Files.isExecutable(Path.of("/usr/bin/python3"))) {
                    probes.add(sandboxed(root, sandbox, "process /usr/bin/python3 -i -q, sandboxed",
                            List.of("/usr/bin/python3", "-i", "-q"), "6*7\r", "42\r\n"));
                }
            }
            return probes;
        }

        private static Probe process(Path root, String name, List<String> command, String input, String answer) {
            dev.webrepl.engines.process.ProcessEngineConfig config = new dev.webrepl.engines.process.ProcessEngineConfig(
                    command, System.getenv(), root, 80, 24, Duration.ofSeconds(2));
            return new Probe(name, () -> new dev.webrepl.engines.process.ProcessEngine(config), input, answer);
        }

        private static Probe sandboxed(Path root, dev.webrepl.engines.sandbox.Sandbox sandbox, String name,
                List<String> command, String input, String answer) {
            dev.webrepl.engines.process.ProcessEngineConfig config = new dev.webrepl.engines.process.ProcessEngineConfig(
                    command, dev.webrepl.engines.sandbox.Sandbox.environment(System.getenv()), root, 80, 24,
                    Duration.ofSeconds(2));
            return new Probe(name, () -> new dev.webrepl.engines.process.ProcessEngine(config,
                    dev.webrepl.engines.process.ProcessEngine.Readiness.TERMINAL_TAKEN, sandbox), input, answer);
        }

        private void measure(PrintWriter out, Path root, Probe probe) throws Exception {
            long[] nanos = new long[sessions];
            List<dev.webrepl.transport.client.ReplConnection> open = new ArrayList<>();
            try (WebReplServer server = startServer(root, probe.engines(),
                    SessionConfig.DEFAULTS.withIdleTimeout(Duration.ZERO).withWorkingDirectory(root));
                 WebReplClient client = WebReplClient.newBuilder().build()) {
                long heapBefore = usedHeapAfterGc();
                long rssBefore = childRss();
                long pssBefore = childPss();
                try {
                    for (int i = 0; i < sessions; i++) {
                        long start = System.nanoTime();
                        open.add(openAndAsk(client, server.port(), probe.input(), probe.answer()));
                        nanos[i] = System.nanoTime() - start;
                    }
                    long heap = usedHeapAfterGc() - heapBefore;
                    long rss = childRss() - rssBefore;
                    long pss = childPss() - pssBefore;
                    java.util.Arrays.sort(nanos);
                    out.printf("| %s | %.0f ms | %.0f ms | %.0f KB | %s | %s |%n", probe.name(), nanos[sessions / 2] / 1e6,
                            nanos[sessions - 1] / 1e6, heap / 1e3 / sessions,
                            rss > 0 ? String.format("%.1f MB", rss / 1e6 / sessions) : "none",
                            pss > 0 ? String.format("%.1f MB", pss / 1e6 / sessions) : "none");
                    out.flush();
                } finally {
                    for (dev.webrepl.transport.client.ReplConnection c : open) {
                        c.close();
                    }
                }
            }
        }

        /** The resident memory of this JVM's descendant processes, from /proc. */
        private static long childRss() {
            return childMemory("status", "VmRSS:");
        }

        /** The proportional set size of the descendants: shared pages (the JDK's class data, libraries) count once in all. */
        private static long childPss() {
            return childMemory("smaps_rollup", "Pss:");
        }

        private static long childMemory(String file, String field) {
            return ProcessHandle.current().descendants().mapToLong(p -> {
                try {
                    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(p.pid()), file))) {
                        if (line.startsWith(field)) {
                            return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                        }
                    }
                } catch (IOException | RuntimeException gone) {
                    // the process ended meanwhile
                }
                return 0;
            }).sum();
        }

        private void throughput(PrintWriter out, Path root) throws Exception {
            String command = "yes 0123456789012345678901234567890123456789 | head -c " + (mb * 1_000_000L);
            long bareStart = System.nanoTime();
            long bytes = barePty(command, root);
            double bare = bytes / 1e6 / ((System.nanoTime() - bareStart) / 1e9);
            dev.webrepl.engines.process.ProcessEngineConfig config = new dev.webrepl.engines.process.ProcessEngineConfig(
                    List.of("/bin/sh", "-c", "stty -echo; " + command + "; exec sleep 60"), System.getenv(), root, 80, 24,
                    Duration.ofSeconds(1));
            double served;
            try (WebReplServer server = startServer(root, () -> new dev.webrepl.engines.process.ProcessEngine(config),
                    SessionConfig.DEFAULTS.withIdleTimeout(Duration.ZERO));
                 WebReplClient client = WebReplClient.newBuilder().build()) {
                long start = System.nanoTime();
                java.util.concurrent.atomic.AtomicLong got = new java.util.concurrent.atomic.AtomicLong();
                java.util.concurrent.CompletableFuture<Long> done = new java.util.concurrent.CompletableFuture<>();
                boolean[] past = new boolean[1];
                StringBuilder head = new StringBuilder();
                try (dev.webrepl.transport.client.ReplConnection c =
                             FanoutBenchmark.await(client.connect("127.0.0.1", server.port(), PASSWORD), TIMEOUT)) {
                    c.output().subscribe(b -> {
                        if (!past[0]) {
                            head.append(new String(b, java.nio.charset.StandardCharsets.ISO_8859_1));
                            int i = head.indexOf("\r\n", head.indexOf("/session/"));
                            if (i < 0) {
                                return;
                            }
                            past[0] = true;
                            b = head.substring(i + 2).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                        }
                        if (got.addAndGet(b.length) >= bytes) {
                            done.complete(System.nanoTime());
                        }
                    });
                    served = bytes / 1e6 / ((FanoutBenchmark.await(done, TIMEOUT) - start) / 1e9);
                }
            }
            out.printf("Process engine output throughput, `%s` (%.1f MB through the pty):%n%n", command, bytes / 1e6);
            out.println("| path | MB/s | share of the bare pty |");
            out.println("|---|---:|---:|");
            out.printf("| bare pty (pty4j, read in 64 KiB blocks) | %.1f | 100 %% |%n", bare);
            out.printf("| through webrepl (process engine, session, WebSocket, client) | %.1f | %.0f %% |%n", served,
                    100 * served / bare);
            out.flush();
        }

        /** Runs {@code command} in a pty and reads its output to the end as fast as possible. */
        private static long barePty(String command, Path dir) throws Exception {
            java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
            env.put("TERM", "xterm-256color");
            com.pty4j.PtyProcess p = new com.pty4j.PtyProcessBuilder(new String[] {"/bin/sh", "-c", "stty -echo; " + command})
                    .setEnvironment(env).setDirectory(dir.toString()).setInitialColumns(80).setInitialRows(24)
                    .setRedirectErrorStream(true).start();
            long total = 0;
            byte[] buf = new byte[65536];
            try (java.io.InputStream in = p.getInputStream()) {
                while (true) {
                    int n;
                    try {
                        n = in.read(buf);
                    } catch (IOException eio) {
                        break;  // the child is gone: a pty master reads EIO at the end
                    }
                    if (n < 0) {
                        break;
                    }
                    total += n;
                }
            } finally {
                p.waitFor();
                p.destroy();
            }
            return total;
        }
    }

    /** {@code webrepl bench metrics}: what recording metrics costs, metrics off against on in one run. */
    @Command(name = "metrics", mixinStandardHelpOptions = true,
            description = "Keystroke-to-echo latency (echo engine, one key at a time) and output throughput (one "
                    + "flooding session) against in-process servers with metrics off and on, alternating the order "
                    + "round by round (off, on, on, off, ...) after one untimed round of each. Prints p50, p99, "
                    + "p99.9 and max latency, MB/s, and the difference.")
    static final class MetricsOverhead implements Callable<Integer> {
        /** The flood engine's write size: what a program in a pty delivers per read, about. */
        private static final int FLOOD_WRITE = 4096;

        @Spec
        CommandSpec spec;

        @Option(names = "--keys", defaultValue = "50000",
                description = "Timed keystrokes per round and side, one session (default ${DEFAULT-VALUE}).")
        int keys;

        @Option(names = "--warmup", defaultValue = "5000",
                description = "Untimed keystrokes before the timed ones, per round and side (default ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--rounds", defaultValue = "4",
                description = "Rounds; each measures both sides, in alternating order (default ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--flood-bytes", defaultValue = "100000000",
                description = "Output bytes per throughput run (default ${DEFAULT-VALUE}).")
        long floodBytes;

        @Option(names = "--concurrent", defaultValue = "100",
                description = "Sessions typing at once for the second latency table, sharing --keys and --warmup "
                        + "between them; 0 skips it (default ${DEFAULT-VALUE}).")
        int concurrent;

        @Option(names = "--scrollback", defaultValue = "65536",
                description = "Scrollback bytes per session, as serve's --scrollback (default ${DEFAULT-VALUE}); 0 takes "
                        + "the scrollback copy out of the output path.")
        int scrollback;

        /** Everything measured on one side (metrics off or on), all rounds together. */
        private static final class Side {
            final String name;
            final boolean metrics;
            final org.HdrHistogram.Histogram single = new org.HdrHistogram.Histogram(3);
            final org.HdrHistogram.Histogram shared = new org.HdrHistogram.Histogram(3);
            final List<Double> megabytesPerSecond = new ArrayList<>();
            final List<Double> keysPerSecond = new ArrayList<>();

            Side(String name, boolean metrics) {
                this.name = name;
                this.metrics = metrics;
            }

            double medianMegabytesPerSecond() {
                return median(megabytesPerSecond);
            }

            double medianKeysPerSecond() {
                return median(keysPerSecond);
            }

            private static double median(List<Double> values) {
                List<Double> sorted = new ArrayList<>(values);
                sorted.sort(null);
                return sorted.get(sorted.size() / 2);
            }
        }

        @Override
        public Integer call() throws Exception {
            if (keys < 1 || warmup < 0 || rounds < 1 || floodBytes < 1 || concurrent < 0 || scrollback < 0) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "need --keys >= 1, --warmup >= 0, "
                        + "--rounds >= 1, --flood-bytes >= 1, --concurrent >= 0, --scrollback >= 0");
            }
            PrintWriter out = spec.commandLine().getOut();
            Side off = new Side("off", false);
            Side on = new Side("on", true);
            Path root = Files.createTempDirectory("webrepl-bench");
            try (WebReplClient client = WebReplClient.newBuilder().build()) {
                // One untimed round first, so class loading and the first JIT compilations favour neither side.
                measure(client, root, new Side("warm-up", false), true);
                measure(client, root, new Side("warm-up", true), true);
                for (int r = 0; r < rounds; r++) {
                    boolean offFirst = r % 2 == 0;  // off on | on off | off on ...: drift favours neither side
                    measure(client, root, offFirst ? off : on, false);
                    measure(client, root, offFirst ? on : off, false);
                }
            } finally {
                deleteTree(root);
            }
            out.printf("Metrics off against on, %d rounds in alternating order (off, on, on, off, ...); keystroke "
                    + "latency of one echo session, %d timed keys per round after %d untimed; output of %.0f MB per "
                    + "round in %d-byte writes; scrollback %d bytes; %s%n%n", rounds, keys, warmup, floodBytes / 1e6,
                    FLOOD_WRITE, scrollback, machine());
            out.println("| metrics | p50 µs | p99 µs | p99.9 µs | max µs | MB/s (median) | MB/s min–max |");
            out.println("|---|---:|---:|---:|---:|---:|---:|");
            for (Side s : List.of(off, on)) {
                out.printf("| %s | %s | %.1f | %.1f–%.1f |%n", s.name, latencies(s.single), s.medianMegabytesPerSecond(),
                        s.megabytesPerSecond.stream().mapToDouble(d -> d).min().orElse(0),
                        s.megabytesPerSecond.stream().mapToDouble(d -> d).max().orElse(0));
            }
            out.printf("| on − off | %s | %s | |%n", difference(off.single, on.single),
                    pairedPercent(off.megabytesPerSecond, on.megabytesPerSecond));
            if (concurrent > 0) {
                out.printf("%n%d sessions typing at once, %d timed keys each per round after %d untimed:%n%n",
                        concurrent, keysEach(keys), warmup / concurrent);
                out.println("| metrics | p50 µs | p99 µs | p99.9 µs | max µs | keys/s, all sessions (median) |");
                out.println("|---|---:|---:|---:|---:|---:|");
                for (Side s : List.of(off, on)) {
                    out.printf("| %s | %s | %.0f |%n", s.name, latencies(s.shared), s.medianKeysPerSecond());
                }
                out.printf("| on − off | %s | %s |%n", difference(off.shared, on.shared),
                        pairedPercent(off.keysPerSecond, on.keysPerSecond));
            }
            out.println();
            out.println("Latency differences: on − off in µs (and relative). Rate differences: the median over rounds "
                    + "of on relative to off in the same round, so that drift between rounds cancels.");
            out.flush();
            return 0;
        }

        private int keysEach(int total) {
            return Math.max(1, total / concurrent);
        }

        /** One side of one round: an echo server for the latencies, then a flood server for throughput. */
        private void measure(WebReplClient client, Path root, Side side, boolean untimed) throws IOException {
            SessionConfig config = SessionConfig.DEFAULTS.withScrollbackBytes(scrollback);
            try (MonitoredServer server = startServer(root, EchoEvaluator::engine, config, side.metrics)) {
                int port = server.server().port();
                KeystrokeBenchmark.Result single = KeystrokeBenchmark.run(client, port, PASSWORD, 1, warmup, keys, TIMEOUT);
                if (!untimed) {
                    side.single.add(single.latencies());
                }
                if (concurrent > 0) {
                    KeystrokeBenchmark.Result shared = KeystrokeBenchmark.run(client, port, PASSWORD, concurrent,
                            warmup / concurrent, keysEach(keys), TIMEOUT);
                    if (!untimed) {
                        side.shared.add(shared.latencies());
                        side.keysPerSecond.add(shared.keysPerSecond());
                    }
                }
            }
            try (MonitoredServer server = startServer(root, () -> new FloodEngine(floodBytes, FLOOD_WRITE), config,
                    side.metrics)) {
                FanoutBenchmark.Result r = FanoutBenchmark.run(client, server.server().port(), PASSWORD, 1, floodBytes,
                        TIMEOUT);
                if (!untimed) {
                    side.megabytesPerSecond.add(r.slowestMegabytesPerSecond());
                }
            }
        }

        private static String latencies(org.HdrHistogram.Histogram h) {
            return String.format("%.1f | %.1f | %.1f | %.1f", h.getValueAtPercentile(50) / 1e3,
                    h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3);
        }

        private static String difference(org.HdrHistogram.Histogram off, org.HdrHistogram.Histogram on) {
            StringBuilder row = new StringBuilder();
            double[] percentiles = {50, 99, 99.9, 100};
            for (double p : percentiles) {
                double a = off.getValueAtPercentile(p) / 1e3;
                double b = on.getValueAtPercentile(p) / 1e3;
                if (row.length() > 0) {
                    row.append(" | ");
                }
                row.append(String.format("%+.1f (%s)", b - a, percent(b, a)));
            }
            return row.toString();
        }

        /** The median over rounds of {@code on[r]} relative to {@code off[r]} (each round measured both sides). */
        private static String pairedPercent(List<Double> off, List<Double> on) {
            List<Double> ratios = new ArrayList<>();
            for (int r = 0; r < off.size(); r++) {
                ratios.add(on.get(r) / off.get(r));
            }
            return percent(Side.median(ratios), 1);
        }

        /** {@code value} relative to {@code base}, as a signed percentage. */
        private static String percent(double value, double base) {
            return base == 0 ? "n/a" : String.format("%+.1f %%", 100 * (value / base - 1));
        }
    }

    /** The machine line of BENCHMARKS.md: cores, JDK, date. */
    static String machine() {
        return String.format("%d cores, JDK %s (%s), %s", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), System.getProperty("java.vm.name"), java.time.LocalDate.now());
    }

    static long usedHeapAfterGc() throws InterruptedException {
        java.lang.management.MemoryMXBean memory = java.lang.management.ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static final String PASSWORD = "bench";
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    /**
     * The options of an in-process bench server: 127.0.0.1, any free port, the bench password, and no
     * per-address connection or session limit (every bench client connects from 127.0.0.1).
     */
    private static ServerOptions benchOptions(Path root) throws IOException {
        ServerOptions options = ServerOptions.of(PasswordCheck.plain(PASSWORD), new FileStore(root)).withPort(0);
        return options.withSecurity(options.security().withMaxConnectionsPerAddress(Integer.MAX_VALUE)
                .withMaxSessionsPerAddress(0));
    }

    /** An in-process server on 127.0.0.1 (any free port) with the bench password. */
    static WebReplServer startServer(Path root, Supplier<ReplEngine> engines, SessionConfig config, int getChunk)
            throws IOException {
        return WebReplServer.start(benchOptions(root).withGetChunkSize(getChunk),
                new SessionRegistry(engines, new SecureRandom(), config));
    }

    static WebReplServer startServer(Path root, Supplier<ReplEngine> engines, SessionConfig config) throws IOException {
        return startServer(root, engines, config, ServerOptions.DEFAULT_GET_CHUNK);
    }

    /**
     * An in-process server on 127.0.0.1 wired as {@code serve} wires it: with a fresh {@link WebReplMetrics}
     * (owned by the result) when {@code metrics} is true, with no recorders at all otherwise.
     */
    static MonitoredServer startServer(Path root, Supplier<ReplEngine> engines, SessionConfig config, boolean metrics)
            throws IOException {
        return MonitoredServer.start(benchOptions(root), engines, config, metrics ? new WebReplMetrics() : null);
    }

    /**
     * Opens a session, sends {@code input} and waits until the output contains {@code answer}; returns
     * the open connection (the caller closes it).
     */
    static dev.webrepl.transport.client.ReplConnection openAndAsk(WebReplClient client, int port, String input,
                                                                    String answer) throws IOException {
        dev.webrepl.transport.client.ReplConnection c =
                FanoutBenchmark.await(client.connect("127.0.0.1", port, PASSWORD), TIMEOUT);
        java.util.concurrent.CompletableFuture<Void> answered = new java.util.concurrent.CompletableFuture<>();
        StringBuilder seen = new StringBuilder();
        c.output().subscribe(b -> {
            synchronized (seen) {
                seen.append(new String(b, java.nio.charset.StandardCharsets.UTF_8));
                if (seen.indexOf(answer) >= 0) {
                    answered.complete(null);
                }
            }
        });
        c.send(input);
        try {
            FanoutBenchmark.await(answered, TIMEOUT);
        } catch (IOException e) {
            c.close();
            throw e;
        }
        return c;
    }

    static void writeRandom(Path file, long size) throws IOException {
        Random random = new Random(42);
        byte[] block = new byte[1 << 20];
        try (OutputStream os = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= block.length) {
                random.nextBytes(block);
                os.write(block, 0, (int) Math.min(block.length, left));
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        dev.webrepl.core.files.FileTrees.deleteTree(dir);
    }
}
