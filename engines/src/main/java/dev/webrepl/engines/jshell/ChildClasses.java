package dev.webrepl.engines.jshell;

import dev.webrepl.core.files.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a REMOTE child JVM loads besides the JDK (issue #20, "cheaper live sessions"): its class path,
 * a jar of {@link ExecutionAgent} alone, and a class-data-sharing archive of the classes a child
 * loads, made on first use. The server owns one: both files live in a directory of its own, made
 * private (0700, under a new name) and deleted by {@link #close()}.
 *
 * <p>The agent's own jar, not the server's: a child that opens the 35 MB server jar reads its
 * central directory of 12,000 entries into memory of its own (about 1.4 MB of PSS per child).
 *
 * <p>The archive: the first child that starts asks for it. A child of its own (never a session's, so
 * no user code ever ran in the JVM that writes it) runs a fixed script of ordinary snippets and exits
 * normally; its JVM writes the archive at exit ({@code -XX:ArchiveClassesAtExit}, on top of the JDK's
 * own archive), to a file named for that child, which is then moved to its name in one step. Children
 * started after that map it ({@code -XX:SharedArchiveFile}; a sandboxed child sees it read-only) and
 * share its pages. Children started meanwhile run without it, and so does every child when it cannot
 * be made (the options turn class sharing off, the JVM has no archive of its own): one log line says
 * why. A server makes it once, with its own JVM and jar, so it always matches them.
 */
public final class ChildClasses implements AutoCloseable {
    /** No directory of its own: the engines' jar (or classes) as class path, no archive (JShell without a server). */
    public static final ChildClasses ENGINES = new ChildClasses(null, false);

    private static final Logger LOG = LoggerFactory.getLogger(ChildClasses.class);
    private static final String ARCHIVE = "child.jsa";
    /** How long the archiving child may take to exit and write the archive after its script. */
    private static final long EXIT_WAIT_SECONDS = 60;
    /**
     * What the archiving child runs after the start-up: what users type (values, strings, collections,
     * streams, methods, classes, records, exceptions, output), so their classes are in the archive.
     */
    static final List<String> SCRIPT = List.of(
            "int x = 1 + 1;",
            "String s = String.format(\"%d %s %.2f\", x, \"é\", Math.sqrt(2));",
            "System.out.println(s);",
            "System.err.println(s.length());",
            "List<Integer> l = new ArrayList<>(List.of(3, 1, 2));",
            "Collections.sort(l); l",
            "l.stream().map(i -> i * 2).filter(i -> i > 2).collect(Collectors.toList())",
            "Map<String, Integer> m = new HashMap<>(Map.of(\"a\", 1)); m.merge(\"a\", 1, Integer::sum); m",
            "int twice(int n) { return 2 * n; }",
            "twice(21)",
            "class Point { int x; int y; Point(int x, int y) { this.x = x; this.y = y; } }",
            "new Point(1, 2).x",
            "record Pair(int a, String b) {}",
            "new Pair(1, \"b\")",
            "interface Shape { double area(); }",
            "Shape sq = () -> 4.0; sq.area()",
            "new StringBuilder(\"abc\").reverse().toString()",
            "IntStream.rangeClosed(1, 10).sum()",
            "Optional.of(\"x\").map(String::toUpperCase).orElse(\"\")",
            "java.time.LocalDate.of(2026, 1, 1).plusDays(1)",
            "new int[] {1, 2, 3}",
            "Integer.parseInt(\"no number\")",
            "throw new IllegalStateException(\"archived\")",
            "Thread.sleep(1)");

    private final Path parent;
    private final boolean archives;
    private final Object lock = new Object();
    private final CompletableFuture<Optional<Path>> made = new CompletableFuture<>();
    private Path directory;            // guarded by lock; made at first use
    private Path agentJar;             // guarded by lock; made at first use
    private boolean asked;             // guarded by lock: a child has started (first use)
    private Path archive;              // guarded by lock; set once made
    private List<String> madeFor;      // guarded by lock: the options it was made with
    private Thread maker;              // guarded by lock; the thread making it, if it is made
    private ChildJvm archiving;        // guarded by lock; the archiving child while it runs
    private boolean closed;            // guarded by lock

    private ChildClasses(Path parent, boolean archives) {
        this.parent = parent;
        this.archives = archives;
    }

    /**
     * The class path and archive of a server's child JVMs: at the first child's start, a new private
     * directory under {@code parent} with the agent's jar, and the archive made there when
     * {@code archive} says so. The caller owns the result and closes it after its children.
     */
    public static ChildClasses create(Path parent, boolean archive) {
        return new ChildClasses(java.util.Objects.requireNonNull(parent, "parent"), archive);
    }

    /** Under lock: the directory and the agent's jar, made now if not yet; false if they cannot be. */
    private boolean madeDirectory() {
        if (directory != null) {
            return true;
        }
        Path made = null;
        try {
            // A new name with owner-only permissions: nobody else can have put or can replace anything in it.
            made = Files.createTempDirectory(parent, "webrepl-jshell-");
            Path jar = made.resolve("agent.jar");
            writeAgentJar(jar);
            directory = made;
            agentJar = jar;
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("jshell: the child JVMs run from the server's jar, no directory of their own in {}: {}", parent,
                    e.getMessage());
            if (made != null) {
                deleteTree(made);
            }
            return false;
        }
    }

    private static void writeAgentJar(Path jar) throws IOException {
        String name = ExecutionAgent.class.getName().replace('.', '/') + ".class";
        try (InputStream in = ExecutionAgent.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("the execution agent's class is not on the server's class path: " + name);
            }
            try (OutputStream file = Files.newOutputStream(jar, StandardOpenOption.CREATE_NEW);
                    JarOutputStream out = new JarOutputStream(file)) {
                out.putNextEntry(new JarEntry(name));
                in.transferTo(out);
                out.closeEntry();
            }
        }
    }

    /** The directory the files are in, once the first child started (never for {@link #ENGINES}). */
    public Optional<Path> directory() {
        synchronized (lock) {
            return Optional.ofNullable(directory);
        }
    }

    /**
     * Completes when the archive has been made (its path), or could not be (empty), or never will be
     * (closed, or not archiving: empty). Not complete before the first child asked for it.
     */
    public CompletableFuture<Optional<Path>> made() {
        return made;
    }

    /**
     * How a child JVM with {@code config}'s options starts now: the class path, and the archive if it
     * is made (for these options). The first call makes the directory and starts making the archive.
     */
    Launch launch(JShellConfig config) {
        List<String> options = config.remoteVmOptions();
        synchronized (lock) {
            if (parent == null || closed) {
                return new Launch(options, ChildJvm.agentPath(), Optional.empty());
            }
            if (!asked) {
                asked = true;
                if (!madeDirectory()) {
                    made.complete(Optional.empty());
                } else {
                    startMaking(config);
                }
            }
            if (directory == null) {
                return new Launch(options, ChildJvm.agentPath(), Optional.empty());
            }
            return new Launch(options, agentJar,
                    archive != null && options.equals(madeFor) ? Optional.of(archive) : Optional.empty());
        }
    }

    /** Under lock, once. */
    private void startMaking(JShellConfig config) {
        Optional<String> unusable = archives ? unusable(config.remoteVmOptions()) : Optional.of("not asked for");
        if (unusable.isPresent()) {
            if (archives) {
                LOG.info("jshell: no class archive for the child JVMs: {}", unusable.get());
            }
            made.complete(Optional.empty());
            return;
        }
        maker = new Thread(() -> make(config), "jshell-class-archive");
        maker.setDaemon(true);
        maker.start();
    }

    /** Why options cannot use an archive of ours, if they cannot. */
    static Optional<String> unusable(List<String> options) {
        for (String o : options) {
            if (o.equals("-Xshare:off") || o.equals("-XX:-UseSharedSpaces")) {
                return Optional.of("the child JVM options turn class sharing off (" + o + ")");
            }
            if (o.startsWith("-XX:SharedArchiveFile") || o.startsWith("-XX:ArchiveClassesAtExit")) {
                return Optional.of("the child JVM options name an archive of their own (" + o + ")");
            }
        }
        return Optional.empty();
    }

    /** On the maker thread: the archiving child runs the script and exits; its archive is moved into place. */
    private void make(JShellConfig config) {
        Path directory;
        Path agentJar;
        synchronized (lock) {
            directory = this.directory;
            agentJar = this.agentJar;
        }
        long began = System.nanoTime();
        Path part = directory.resolve(ARCHIVE + "." + ProcessHandle.current().pid() + "-" + began + ".part");
        List<String> options = new ArrayList<>(config.remoteVmOptions());
        options.add("-XX:ArchiveClassesAtExit=" + part);
        ChildJvm child = ChildJvm.archiving(new Launch(options, agentJar, Optional.empty()));
        Optional<String> failure;
        try {
            synchronized (lock) {
                if (closed) {
                    made.complete(Optional.empty());
                    return;
                }
                archiving = child;
            }
            failure = run(config, child);
        } catch (RuntimeException e) {
            failure = Optional.of(String.valueOf(e.getMessage()));
        }
        synchronized (lock) {
            archiving = null;
            if (closed) {
                made.complete(Optional.empty());
                return;
            }
            if (failure.isEmpty()) {
                try {
                    Path file = directory.resolve(ARCHIVE);
                    Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
                    archive = file;
                    madeFor = config.remoteVmOptions();
                    LOG.info("jshell: the child JVMs' class archive is made ({} KB in {} ms)", Files.size(file) / 1024,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
                    made.complete(Optional.of(file));
                    return;
                } catch (IOException e) {
                    failure = Optional.of("cannot move it into place: " + e.getMessage());
                }
            }
            LOG.warn("jshell: no class archive for the child JVMs: {}", failure.get());
            made.complete(Optional.empty());
        }
        try {
            Files.deleteIfExists(part);
        } catch (IOException e) {
            // the directory goes at close
        }
    }

    /** Runs the script in {@code child} and lets it exit; why no archive came of it, if none did. */
    private Optional<String> run(JShellConfig config, ChildJvm child) {
        // Its own gate of one: at most this one compiles beside the sessions, once per server.
        try (JShellInstance instance = JShellInstance.starting(config, child, new CompileGate(1)).awaitStarted()) {
            for (String snippet : SCRIPT) {
                if (instance.terminated()) {
                    break;
                }
                instance.eval(snippet, () -> false);
            }
        }
        // Closed: the child was told to end and has exited, writing the archive, or was ended.
        return child.exitedByItself() ? Optional.empty()
                : Optional.of("the archiving child JVM did not exit by itself" + child.failure().map(f -> ": " + f).orElse(""));
    }

    /** Stops making the archive (its child is ended) and deletes the directory; children that run keep theirs mapped. */
    @Override
    public void close() {
        Thread m;
        Path d;
        synchronized (lock) {
            if (closed || parent == null) {
                return;
            }
            closed = true;
            m = maker;
            d = directory;
            if (archiving != null) {
                archiving.abandon();
            }
        }
        if (m != null) {
            try {
                m.join(TimeUnit.SECONDS.toMillis(EXIT_WAIT_SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        made.complete(Optional.empty());
        if (d != null) {
            deleteTree(d);
        }
    }

    private static void deleteTree(Path directory) {
        try {
            FileTrees.deleteTree(directory);
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("jshell: cannot delete {}: {}", directory, e.getMessage());
        }
    }

    /**
     * How one child JVM starts: its options (and the archive's, when there is one) and its class path;
     * a sandboxed child sees {@link #readOnly()} read-only at their own paths.
     */
    record Launch(List<String> vmOptions, Path classPath, Optional<Path> archive) {
        Launch {
            vmOptions = List.copyOf(vmOptions);
        }

        /** The JVM options, the archive's last. */
        List<String> options() {
            List<String> all = new ArrayList<>(vmOptions);
            archive.ifPresent(a -> all.add("-XX:SharedArchiveFile=" + a));
            return all;
        }

        List<String> readOnly() {
            List<String> paths = new ArrayList<>(List.of(classPath.toString()));
            archive.ifPresent(a -> paths.add(a.toString()));
            return paths;
        }
    }
}
