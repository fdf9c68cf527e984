package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.Session;
import dev.webrepl.transport.client.ListedSession;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --jshell-hibernate-after} through a served session (README "Hibernation"), LOCAL execution for
 * speed: the session hibernates with its owner and a viewer attached, SESSIONS and the meters say so,
 * and the owner's next input restores it with a notice both terminals see.
 */
@Timeout(120)
class JShellHibernationServeTest {
    @TempDir
    Path dir;

    @Test
    void anIdleSessionHibernatesIsListedAndCountedAndTheNextInputRestoresItForEveryTerminal() throws Exception {
        ServeCommand cmd = new ServeCommand();
        CommandLine cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.parseArgs("--port", "0", "--admin-port", "0", "--root", dir.toString(), "--password", "secret",
                "--jshell-execution", "LOCAL", "--jshell-hibernate-after", "200ms");
        try (MonitoredServer server = cmd.start();
             WebReplClient client = WebReplClient.newBuilder().build()) {
            int port = server.server().port();
            try (ReplConnection owner = client.connect("127.0.0.1", port, "secret").get(30, TimeUnit.SECONDS)) {
                DefaultJShellCliTest.Typist ownerScreen = new DefaultJShellCliTest.Typist(owner);
                ownerScreen.await("jshell> ");
                Session session = server.server().sessions().sessions().iterator().next();
                owner.send("int x = 41\r".getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
                ownerScreen.await("x ==> 41\r\njshell> ");
                try (ReplConnection viewer = client.connectPath("127.0.0.1", port,
                        "/session/" + session.id() + "?mode=view").get(30, TimeUnit.SECONDS)) {
                    DefaultJShellCliTest.Typist viewerScreen = new DefaultJShellCliTest.Typist(viewer);
                    viewer.login("secret").get(30, TimeUnit.SECONDS);
                    viewerScreen.await("x ==> 41\r\njshell> ");   // the scrollback

                    awaitHibernated(session);
                    List<ListedSession> listed = owner.sessions().get(30, TimeUnit.SECONDS);
                    assertEquals(1, listed.size());
                    assertTrue(listed.get(0).hibernated());
                    PrometheusScrape asleep = PrometheusScrape.parse(server.metrics().scrape());
                    assertEquals(1, asleep.sum("webrepl_sessions_hibernated"));
                    assertEquals(1, asleep.sum("webrepl_engine_hibernations_total"));
                    assertEquals(0, asleep.sum("webrepl_engine_restores_seconds_count"));

                    owner.send("x + 1\r".getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
                    String restored = "x + 1\r\n|  Restored after hibernation: 1 snippet replayed.\r\n"
                            + "$2 ==> 42\r\njshell> ";
                    assertEquals(restored, ownerScreen.await("jshell> "));
                    assertEquals(restored, viewerScreen.await("jshell> "));
                    PrometheusScrape awake = PrometheusScrape.parse(server.metrics().scrape());
                    assertEquals(1, awake.sum("webrepl_engine_restores_seconds_count"));
                }
            }
        } finally {
            cmd.closeEngines();
        }
    }

    @Test
    void zeroNeverHibernates() throws Exception {
        ServeCommand cmd = new ServeCommand();
        new CommandLine(cmd).parseArgs("--port", "0", "--jshell-hibernate-after", "0");
        assertTrue(cmd.jshellHibernateAfter.isZero());
        new CommandLine(cmd = new ServeCommand()).parseArgs("--port", "0");
        assertEquals(java.time.Duration.ofMinutes(10), cmd.jshellHibernateAfter);
    }

    private static void awaitHibernated(Session session) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!session.hibernated()) {
            assertFalse(System.nanoTime() > end, "the session did not hibernate");
            Thread.sleep(20);
        }
    }
}
