package dev.webrepl.engines.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.EngineOutput;
import dev.webrepl.core.engine.LineEvaluator;
import dev.webrepl.core.engine.Pausable;
import dev.webrepl.engines.process.SandboxedProcessEngineTest;
import dev.webrepl.engines.sandbox.Sandbox;
import dev.webrepl.engines.sandbox.SandboxLimits;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * jshell's REMOTE child JVMs in the bubblewrap sandbox (issue 18): the session's file root is the
 * child's only writable place and working directory, nothing of the server's is visible, no network,
 * and the sandbox's limits hold. Skipped without {@code bwrap}, failed then when
 * {@code WEBREPL_REQUIRE_SANDBOX=1} (as {@code .ci/run} sets).
 */
class SandboxedJShellTest {
    @TempDir
    Path base;

    private Path root;
    private Sandbox sandbox;
    private final List<LineEvaluator> evaluators = new ArrayList<>();
    private final Terminal terminal = new Terminal();

    @BeforeEach
    void files() throws Exception {
        root = Files.createDirectory(base.resolve("ann"));
        Files.createDirectory(base.resolve("bob"));
        Files.writeString(base.resolve("bob").resolve("bobs.txt"), "bob's\n");
        Files.writeString(base.resolve("users"), "ann:secret\n");
    }

    @AfterEach
    void close() {
        evaluators.forEach(LineEvaluator::close);
        if (sandbox != null) {
            sandbox.close();
        }
    }

    private Session session(SandboxLimits limits) throws Exception {
        sandbox = Sandbox.bubblewrap(SandboxedProcessEngineTest.requireBwrap(), false, limits);
        assertEquals(Optional.empty(), sandbox.probe(root));
        return session(null, root);
    }

    private Session session(JShellPool pool, Path sessionRoot) {
        return session(JShellConfig.defaults(), pool, sessionRoot);
    }

    private Session session(JShellConfig config, JShellPool pool, Path sessionRoot) {
        Session session = new Session(sessionRoot);
        LineEvaluator evaluator = JShellEngines.factory(config, pool, sandbox).get();
        evaluators.add(evaluator);
        evaluator.start(session);
        session.evaluator = evaluator;
        return session;
    }

    private String eval(Session s, String input) {
        return terminal.eval(s.evaluator, input);
    }

    @Test
    void userCodeRunsInTheSessionsRootAndSeesNothingOfTheServers() throws Exception {
        Session ann = session(SandboxLimits.NONE);

        assertEquals("$1 ==> \"/home/webrepl\"\r\n", eval(ann, "System.getProperty(\"user.dir\")"));
        assertEquals("$2 ==> made.txt\r\n", eval(ann, "Files.writeString(Path.of(\"made.txt\"), \"made\")"));
        assertEquals("made", Files.readString(root.resolve("made.txt")));
        for (Path outside : List.of(base.resolve("users"), base.resolve("bob").resolve("bobs.txt"),
                Path.of("/etc/shadow"), Path.of("pom.xml").toAbsolutePath())) {
            assertTrue(eval(ann, "Files.readString(Path.of(\"" + outside + "\"))")
                    .startsWith("|  Exception java.nio.file.NoSuchFileException: " + outside + "\r\n"), outside::toString);
        }
        assertEquals("$7 ==> false\r\n", eval(ann, "Files.exists(Path.of(\"../bob\"))"));
        // Only the sandbox's environment: none of the server's variables (a password, tokens, paths).
        Set<String> allowed = Set.of("HOME", "LOGNAME", "PATH", "PWD", "TERM", "USER", "LANG", "TZ");
        String names = eval(ann, "System.getenv().keySet().stream().sorted().collect(java.util.stream.Collectors.joining(\" \"))");
        for (String name : names.replaceAll("^\\$8 ==> \"|\"\r\n$", "").split(" ")) {
            assertTrue(allowed.contains(name) || name.startsWith("LC_"), () -> name + " in " + names);
        }
    }

    @Test
    void aWarmPoolServesSessionsOverItsRootAndOthersStartTheirOwnSandbox() throws Exception {
        session(SandboxLimits.NONE); // makes the sandbox
        try (JShellPool pool = JShellPool.confined(JShellConfig.defaults(), 1, false, sandbox, root)) {
            assertTrue(Terminal.await(() -> pool.idle() == 1, Duration.ofSeconds(30)));
            Session ann = session(pool, root);
            Path bobs = base.resolve("bob");
            Session bob = session(pool, bobs);

            assertEquals("$1 ==> \"/home/webrepl\"\r\n", eval(ann, "System.getProperty(\"user.dir\")"));
            assertEquals(0, pool.idle()); // ann took the warm one
            assertEquals("$1 ==> \"bob's\\n\"\r\n", eval(bob, "Files.readString(Path.of(\"bobs.txt\"))"));
            assertTrue(eval(ann, "Files.readString(Path.of(\"bobs.txt\"))")
                    .startsWith("|  Exception java.nio.file.NoSuchFileException: bobs.txt\r\n"));
        }
    }

    @Test
    void childrenStartedAfterTheClassArchiveWasMadeMapItReadOnlyInTheirSandbox() throws Exception {
        session(SandboxLimits.NONE); // makes the sandbox
        try (ChildClasses classes = ChildClasses.create(base, true)) {
            JShellConfig config = JShellConfig.defaults().withChildClasses(classes);
            Session first = session(config, null, root);
            assertEquals("$1 ==> 2\r\n", eval(first, "1 + 1")); // its child is the first use
            Path archive = classes.made().get(2, TimeUnit.MINUTES).orElseThrow();
            Path jar = classes.directory().orElseThrow().resolve("agent.jar");

            Session second = session(config, null, root);
            assertEquals("$1 ==> true\r\n",
                    eval(second, "Files.readString(Path.of(\"/proc/self/maps\")).contains(\"" + archive + "\")"));
            assertEquals("$2 ==> \"" + jar + "\"\r\n", eval(second, "System.getProperty(\"java.class.path\")"));
            assertEquals("$3 ==> [false, false]\r\n", eval(second, "List.of(Files.isWritable(Path.of(\"" + archive
                    + "\")), Files.isWritable(Path.of(\"" + jar + "\")))"));
            assertEquals("$4 ==> [agent.jar, child.jsa]\r\n", eval(second, "new TreeSet<>(Arrays.asList(new File(\""
                    + archive.getParent() + "\").list()))")); // the directory holds nothing else of the server's
        }
    }

    @Test
    void aTcpConnectFailsWithoutSandboxNetwork() throws Exception {
        try (ServerSocketChannel listening = ServerSocketChannel.open()) {
            listening.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) listening.getLocalAddress()).getPort();
            Session ann = session(SandboxLimits.NONE);

            String out = eval(ann, "new java.net.Socket(\"127.0.0.1\", " + port + ")");

            assertTrue(out.startsWith("|  Exception java.net.ConnectException: Connection refused"), out);
        }
    }

    @Test
    void ctrlCStopsAnEndlessLoopInTheSandbox() throws Exception {
        Session ann = session(SandboxLimits.NONE);
        assertEquals("before ==> 7\r\n", eval(ann, "int before = 7"));

        CompletableFuture<String> loop = CompletableFuture.supplyAsync(() -> eval(ann, "while (true) {}"));
        assertTrue(Terminal.await(((JShellEvaluator) ann.evaluator)::isBusy, Duration.ofSeconds(10)));
        assertTrue(Terminal.interruptUntilDone(ann.evaluator, loop));

        assertEquals("", loop.get(1, TimeUnit.SECONDS));
        assertEquals("before ==> 7\r\n", eval(ann, "before"));
    }

    @Test
    void aSessionStartedOnAThreadThatThenEndsKeepsItsChildJvm() throws Exception {
        // bwrap's --die-with-parent is the starting thread's (SandboxedProcessEngineTest has the same for programs).
        // JShell starts its child at the first evaluation, on the thread that evaluates.
        Session ann = dev.webrepl.engines.sandbox.EndedThread.run(() -> {
            Session s = session(SandboxLimits.NONE);
            assertEquals("$1 ==> 42\r\n", eval(s, "6 * 7"));
            return s;
        });
        assertEquals("$2 ==> 43\r\n", eval(ann, "$1 + 1"));
    }

    @Test
    void threadsStopAtTheProcessLimitAndTheSessionGoesOn() throws Exception {
        Session ann = session(new SandboxLimits(0, 0, 64, 0));

        String out = eval(ann, "{ var release = new CountDownLatch(1); var started = new ArrayList<Thread>();"
                + " try { for (int i = 0; i < 1000; i++) { Thread t = new Thread(() -> { try { release.await(); }"
                + " catch (InterruptedException e) { } }); t.start(); started.add(t); } }"
                + " catch (OutOfMemoryError e) { System.out.println(\"held: \" + e.getMessage()); }"
                + " release.countDown(); for (Thread t : started) t.join();"
                + " System.out.println(started.size() < 64); }");

        assertEquals("held: unable to create native thread: possibly out of memory or process/resource limits reached"
                + "\r\ntrue\r\n", out);
        assertEquals("$2 ==> 2\r\n", eval(ann, "1 + 1")); // the block was snippet 1
    }

    @Test
    void passingTheMemoryLimitEndsTheSessionWithTheReason() throws Exception {
        Session ann = session(new SandboxLimits(80L << 20, 0, 0, 0));
        assumeTrue(sandbox.cgroups(), "the memory reason needs cgroups (with rlimits an allocation fails instead)");

        // 100 MiB in the heap (-Xmx128m) in pieces G1 keeps in ordinary regions: past 80 MiB the kernel kills the JVM.
        String out = eval(ann, "var keep = new ArrayList<byte[]>(); for (int i = 0; i < 400; i++) keep.add(new byte[256 << 10]);");

        assertEquals("memory limit 80 MiB reached", ann.limitReached.get(30, TimeUnit.SECONDS), out);
    }

    /** The session as the engine sees it: its id, its file root and the limit it reached. */
    private static final class Session implements EngineContext {
        private final Path root;
        final CompletableFuture<String> limitReached = new CompletableFuture<>();
        LineEvaluator evaluator;

        Session(Path root) {
            this.root = root;
        }

        @Override
        public String sessionId() {
            return "ann-1";
        }

        @Override
        public Path workingDirectory() {
            return root;
        }

        @Override
        public Flux<byte[]> input() {
            return Flux.never();
        }

        @Override
        public EngineOutput output() {
            return new EngineOutput() {
                @Override
                public void write(byte[] bytes) {
                }

                @Override
                public WriteResult tryWrite(byte[] bytes) {
                    return WriteResult.WRITTEN;
                }

                @Override
                public void writeBlocking(byte[] bytes) {
                }
            };
        }

        @Override
        public void pausable(Pausable producer) {
        }

        @Override
        public void exited(int status) {
        }

        @Override
        public void failed(Throwable error) {
            limitReached.completeExceptionally(error);
        }

        @Override
        public void limitReached(String reason) {
            limitReached.complete(reason);
        }
    }
}
