package dev.webrepl.engines.jshell;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A server killed without a word (SIGKILL, the OOM killer) leaves no child JVM behind, even one whose
 * user code never ends: without a sandbox nothing else would end it (bwrap's {@code --die-with-parent}
 * does in one). The server here is a JVM of its own, {@link Server}, killed by the test.
 */
class OrphanedChildTest {
    /**
     * The server: a REMOTE session that runs its arguments as snippets, then {@code while (true) {}};
     * prints the child's pid, then "busy".
     */
    public static final class Server {
        public static void main(String[] args) throws Exception {
            JShellEvaluator jshell = new JShellEvaluator(() -> JShellInstance.start(JShellConfig.defaults()));
            Terminal terminal = new Terminal();
            String pid = terminal.eval(jshell, "ProcessHandle.current().pid()");
            System.out.println(pid.replaceAll("^.* ==> |\r\n$", ""));
            for (String snippet : args) {
                terminal.eval(jshell, snippet);
            }
            CompletableFuture.runAsync(() -> terminal.eval(jshell, "while (true) {}"));
            if (!Terminal.await(jshell::isBusy, Duration.ofSeconds(30))) {
                System.exit(3);
            }
            System.out.println("busy");
            Thread.sleep(Long.MAX_VALUE); // until the test kills this JVM
        }
    }

    @Test
    void aChildWhoseServerWasKilledEndsEvenWithUserCodeRunning() throws Exception {
        assertChildEndsWhenItsServerIsKilled();
    }

    @Test
    void aChildWhoseServerWasKilledEndsEvenIfItsUserCodeHoldsUpItsExit() throws Exception {
        // A shutdown hook that never returns: an exit that runs the hooks never ends.
        assertChildEndsWhenItsServerIsKilled("Runtime.getRuntime().addShutdownHook(new Thread(() -> { while (true) {} }))");
    }

    private static void assertChildEndsWhenItsServerIsKilled(String... snippets) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Server.class.getName()));
        command.addAll(List.of(snippets));
        Process server = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        ProcessHandle child = null;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(),
                StandardCharsets.UTF_8))) {
            String pid = lines.readLine();
            assertTrue(pid != null && pid.matches("\\d+"), "the child's pid: " + pid);
            Optional<ProcessHandle> running = ProcessHandle.of(Long.parseLong(pid));
            assertTrue(running.isPresent(), "the child runs");
            child = running.get();
            assertTrue(List.of(server.toHandle()).contains(child.parent().orElseThrow()), "the server's child");
            assertTrue("busy".equals(lines.readLine()), "the endless loop runs");

            server.destroyForcibly();   // SIGKILL: no close command, no shutdown hook; the pipes close
            server.waitFor();

            try {
                child.onExit().get(60, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("the child JVM outlived its server by 60 s", e);
            }
        } finally {
            server.destroyForcibly();
            if (child != null) {
                child.destroyForcibly();
            }
        }
    }
}
