package dev.webrepl.engines.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * How the engines that run programs are confined, for the whole server (README "Sandbox and
 * limits"; DESIGN "Tenancy"): either not at all ({@link #none()}) or each session in a bubblewrap
 * sandbox that sees the system read-only and its file root as the only writable place, with
 * per-session limits by cgroups where the server can make child groups, by rlimits otherwise.
 * {@link #confine} gives one session's {@link Confinement}.
 */
public final class Sandbox implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);
    /** How often the sessions' cgroups are read for OOM kills (one thread for all sessions). */
    private static final Duration WATCH_PERIOD = Duration.ofMillis(200);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);

    /** Where, inside the sandbox, a session's file root is: its working directory and {@code $HOME}. */
    public static final String HOME = "/home/webrepl";

    /** The choice of {@code --sandbox}. */
    public enum Mode {
        /** Each session's programs in a bubblewrap sandbox with limits. */
        bwrap,
        /** Programs run as the server's user, seeing all it sees, without limits (trusted use only). */
        none
    }

    private final Mode mode;
    private final Path bwrap;
    private final Path prlimit;
    private final boolean network;
    private final boolean userNamespace;
    private final SandboxLimits limits;
    private final Cgroups cgroups;
    private final String cgroupProblem;
    private final Path etc;
    /** The name of the thread that starts a sandbox's processes ({@link Launcher}). */
    private static final String LAUNCHER_THREAD = "webrepl-launcher";
    private final Launcher launcher;
    private final Set<Confinement> watched = ConcurrentHashMap.newKeySet();
    private ScheduledExecutorService watcher;

    private Sandbox(Mode mode, Path bwrap, Path prlimit, boolean network, boolean userNamespace, SandboxLimits limits,
            Cgroups cgroups, String cgroupProblem, Path etc, Launcher launcher) {
        this.mode = mode;
        this.launcher = launcher;
        this.bwrap = bwrap;
        this.prlimit = prlimit;
        this.network = network;
        this.userNamespace = userNamespace;
        this.limits = limits;
        this.cgroups = cgroups;
        this.cgroupProblem = cgroupProblem;
        this.etc = etc;
    }

    /** No sandbox and no limits: programs run as today. */
    public static Sandbox none() {
        return new Sandbox(Mode.none, null, null, true, false, SandboxLimits.NONE, null, null, null,
                new Launcher(LAUNCHER_THREAD));
    }

    /**
     * No sandbox, starting processes on this one's {@link #launch launcher}: for an engine that
     * confines its programs itself (MicroPython's runtimes run bwrap) but shares the server's thread.
     */
    public Sandbox unconfined() {
        return new Sandbox(Mode.none, null, null, true, false, SandboxLimits.NONE, null, null, null, launcher);
    }

    /**
     * Starts a process with {@code start} on the thread that starts all of this sandbox's processes
     * and lives while one of them does ({@link Launcher}: bubblewrap's {@code --die-with-parent} is
     * bound to the starting thread); {@code ended} says when it has ended.
     */
    public <T> T launch(Launcher.Start<T> start, java.util.function.Function<T, java.util.concurrent.CompletionStage<?>> ended)
            throws IOException {
        return launcher.launch(start, ended);
    }

    /**
     * A bubblewrap sandbox with {@code limits} per session: finds out whether user namespaces work
     * (then the sandbox gets one) and whether the server can make cgroups (then limits are enforced
     * by them, else by rlimits), and writes the sandbox's {@code /etc/passwd}, {@code group} and
     * {@code hosts} into a private directory. Fails when {@code bwrap}, or {@code prlimit} where an
     * rlimit is needed, cannot be run.
     */
    public static Sandbox bubblewrap(Path bwrap, boolean network, SandboxLimits limits) throws IOException {
        boolean userNamespace = runs(List.of(bwrap.toString(), "--unshare-user", "--disable-userns",
                "--ro-bind", "/", "/", "--", "/bin/true"));
        Cgroups cgroups = null;
        String problem = null;
        if (limits.memoryBytes() > 0 || limits.processes() > 0 || limits.cpus() > 0) {
            Cgroups.Result r = Cgroups.open("webrepl-" + ProcessHandle.current().pid());
            cgroups = r.cgroups().orElse(null);
            problem = r.problem();
        }
        Path prlimit = null;
        boolean rlimits = limits.openFiles() > 0
                || (cgroups == null && (limits.memoryBytes() > 0 || limits.processes() > 0));
        if (rlimits) {
            prlimit = Path.of("/usr/bin/prlimit");
            if (!Files.isExecutable(prlimit)) {
                if (cgroups != null) {
                    cgroups.close();
                }
                throw new IOException("the sandbox sets rlimits with prlimit (util-linux), not found at " + prlimit);
            }
        }
        Path etc = Files.createTempDirectory("webrepl-sandbox-etc");
        // Removed by close(); a server that is not closed (a test's) removes them at exit (files first).
        etc.toFile().deleteOnExit();
        for (String name : List.of("passwd", "group", "hosts")) {
            etc.resolve(name).toFile().deleteOnExit();
        }
        long uid = uid();
        Files.writeString(etc.resolve("passwd"), (uid == 0 ? "" : "root:x:0:0:root:/root:/bin/sh\n")
                + "webrepl:x:" + uid + ":" + uid + ":webrepl:" + HOME + ":/bin/sh\n"
                + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", StandardCharsets.US_ASCII);
        Files.writeString(etc.resolve("group"), (uid == 0 ? "" : "root:x:0:\n") + "webrepl:x:" + uid + ":\n"
                + "nogroup:x:65534:\n", StandardCharsets.US_ASCII);
        Files.writeString(etc.resolve("hosts"), "127.0.0.1 localhost\n::1 localhost\n", StandardCharsets.US_ASCII);
        return new Sandbox(Mode.bwrap, bwrap, prlimit, network, userNamespace, limits, cgroups, problem, etc.toRealPath(),
                new Launcher(LAUNCHER_THREAD));
    }

    /**
     * What of the server's environment a sandboxed program gets: the locale, time zone and terminal
     * ({@code LANG}, {@code LC_*}, {@code TZ}, {@code TERM}) and a system {@code PATH}; never the rest
     * (a password in {@code $WEBREPL_PASSWORD}, tokens, the server's paths).
     */
    public static Map<String, String> environment(Map<String, String> server) {
        Map<String, String> env = new java.util.TreeMap<>();
        server.forEach((k, v) -> {
            if (k.equals("LANG") || k.startsWith("LC_") || k.equals("TZ") || k.equals("TERM")) {
                env.put(k, v);
            }
        });
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        return Map.copyOf(env);
    }

    /** {@code /usr/bin/bwrap}, else {@code bwrap} on {@code env}'s PATH. */
    public static Optional<Path> findBwrap(Map<String, String> env) {
        Path usual = Path.of("/usr/bin/bwrap");
        if (Files.isExecutable(usual)) {
            return Optional.of(usual);
        }
        for (String d : env.getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "bwrap"))) {
                return Optional.of(Path.of(d, "bwrap").toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /**
     * Runs {@code /bin/true} in a sandbox over {@code root} once, with the limits: empty if it ran,
     * else a one-line reason (what a server checks at start, so that a sandbox that cannot start
     * is refused then, not in every session).
     */
    public Optional<String> probe(Path root) {
        if (mode == Mode.none) {
            return Optional.empty();
        }
        try (Confinement c = confine("start-" + ProcessHandle.current().pid(), root)) {
            Path log = Files.createTempFile("webrepl-sandbox-probe", ".txt");
            try {
                Process p = new ProcessBuilder(c.command(List.of("/bin/true"), Map.of("PATH", "/usr/bin:/bin")))
                        .directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                if (!p.waitFor(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    return Optional.of("the sandbox did not start within " + PROBE_TIMEOUT.toSeconds() + " s");
                }
                if (p.exitValue() != 0) {
                    String first = Files.readString(log, StandardCharsets.ISO_8859_1).strip().lines().findFirst()
                            .orElse("no output");
                    return Optional.of("the sandbox does not start (" + bwrap + "): status " + p.exitValue() + ": " + first);
                }
                return Optional.empty();
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            return Optional.of("the sandbox does not start: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while starting the sandbox");
        }
    }

    /** Whether programs run confined (bwrap) or as the server's user (none). */
    public boolean confines() {
        return mode == Mode.bwrap;
    }

    public Mode mode() {
        return mode;
    }

    public SandboxLimits limits() {
        return limits;
    }

    /** Whether the limits are enforced by cgroups (else by rlimits, or not at all without a sandbox). */
    public boolean cgroups() {
        return cgroups != null;
    }

    /**
     * For the start line: what is isolated and how each limit is enforced, e.g. {@code bubblewrap
     * /usr/bin/bwrap (own mount, PID, IPC and network namespaces, user namespace, no capabilities);
     * limits by cgroup v1: memory 512 MiB, cpu 1, processes 128; open files 256 by rlimit}.
     */
    public String describe() {
        if (mode == Mode.none) {
            return "none: programs run as the server's user, see what it sees, without limits";
        }
        String what = "bubblewrap " + bwrap + " (own mount, PID, IPC" + (network ? "" : " and network")
                + " namespaces" + (network ? ", host network" : "") + (userNamespace ? ", user namespace" : "")
                + ", no capabilities)";
        if (limits.equals(SandboxLimits.NONE)) {
            return what + "; no limits";
        }
        String files = limits.openFiles() > 0 ? "open files " + limits.openFiles() + " by rlimit" : "open files unlimited";
        if (cgroups != null) {
            return what + "; limits by " + cgroups.describe() + ": memory "
                    + (limits.memoryBytes() > 0 ? SandboxLimits.bytes(limits.memoryBytes()) : "unlimited")
                    + ", cpu " + (limits.cpus() > 0 ? (cgroups.cpu() ? cpus() : cpus() + " not enforced (no cpu controller)")
                    : "unlimited")
                    + ", processes " + (limits.processes() > 0 ? limits.processes() : "unlimited") + "; " + files;
        }
        String nproc = limits.processes() == 0 ? "unlimited"
                : nprocWorks() ? limits.processes() + " (RLIMIT_NPROC in the sandbox's user namespace)"
                : limits.processes() + " not enforced (" + (uid() == 0 ? "RLIMIT_NPROC does not bind root"
                        : "RLIMIT_NPROC without a user namespace would count the server's own threads") + ")";
        return what + "; limits by rlimits (" + cgroupProblem + "): memory "
                + (limits.memoryBytes() > 0 ? SandboxLimits.bytes(limits.memoryBytes()) + " of address space per process"
                : "unlimited")
                + ", cpu " + (limits.cpus() > 0 ? cpus() + " not enforced (needs cgroups)" : "unlimited")
                + ", processes " + nproc + "; " + files;
    }

    private String cpus() {
        return String.format(java.util.Locale.ROOT, "%s", limits.cpus()).replaceAll("\\.0$", "");
    }

    /** RLIMIT_NPROC counts per user in each user namespace; root is exempt from it. */
    private boolean nprocWorks() {
        return userNamespace && uid() != 0;
    }

    /** One session's sandbox over {@code root} (its file root): its cgroups are made now. */
    public Confinement confine(String sessionId, Path root) throws IOException {
        if (mode == Mode.none) {
            throw new IllegalStateException("--sandbox none confines nothing");
        }
        Cgroups.Group group = cgroups == null ? null : cgroups.create(sessionId, limits);
        return new Confinement(this, sessionId, root.toRealPath(), group);
    }

    /** The bwrap options every session's sandbox starts with (namespaces, system, /etc, fresh /proc /dev /tmp). */
    Bubblewrap bubblewrap() {
        return Bubblewrap.of(bwrap).isolate(network, userNamespace).systemDirs().etc(etc, network)
                .freshProcDevTmp(limits.memoryBytes());
    }

    /** The rlimits, as a {@code prlimit ... --} prefix run inside the sandbox (so RLIMIT_NPROC counts there). */
    List<String> rlimitPrefix(boolean addressSpace) {
        if (prlimit == null) {
            return List.of();
        }
        List<String> c = new ArrayList<>(List.of(prlimit.toString()));
        int options = c.size();
        if (limits.openFiles() > 0) {
            c.add("--nofile=" + limits.openFiles() + ":" + limits.openFiles());
        }
        if (cgroups == null && limits.processes() > 0 && nprocWorks()) {
            c.add("--nproc=" + limits.processes() + ":" + limits.processes());
        }
        if (cgroups == null && limits.memoryBytes() > 0 && addressSpace) {
            c.add("--as=" + limits.memoryBytes() + ":" + limits.memoryBytes());
        }
        if (c.size() == options) {
            return List.of();
        }
        c.add("--");
        return c;
    }

    /** Reads {@code c}'s cgroup for OOM kills until it is closed. */
    synchronized void watch(Confinement c) {
        watched.add(c);
        if (watcher == null) {
            watcher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "webrepl-sandbox-watcher");
                t.setDaemon(true);
                return t;
            });
            watcher.scheduleWithFixedDelay(this::check, WATCH_PERIOD.toMillis(), WATCH_PERIOD.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    void unwatch(Confinement c) {
        watched.remove(c);
    }

    private void check() {
        for (Confinement c : watched) {
            try {
                c.check();
            } catch (RuntimeException e) {
                try (MDC.MDCCloseable session = MDC.putCloseable("session", c.sessionId())) {
                    LOG.warn("reading its cgroup", e);
                }
            }
        }
    }

    /** Stops watching and removes the server's cgroups and generated files. */
    @Override
    public void close() {
        synchronized (this) {
            if (watcher != null) {
                watcher.shutdownNow();
                watcher = null;
            }
        }
        if (cgroups != null) {
            cgroups.close();
        }
        if (etc != null) {
            for (String name : List.of("passwd", "group", "hosts")) {
                try {
                    Files.deleteIfExists(etc.resolve(name));
                } catch (IOException e) {
                    // a temporary file of a few bytes
                }
            }
            try {
                Files.deleteIfExists(etc);
            } catch (IOException e) {
                // left for the OS to clean
            }
        }
    }

    private static boolean runs(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static long uid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }
}
