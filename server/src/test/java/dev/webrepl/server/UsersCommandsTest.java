package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.protocol.PasswordHash;
import dev.webrepl.core.users.Tenancy;
import dev.webrepl.core.users.UserDirectory;
import dev.webrepl.core.users.UserRoots;
import dev.webrepl.dupterm.Session;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.server.ServerOptions;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code webrepl share} against a server with users, and {@code serve --users} (README "Users"). */
class UsersCommandsTest extends CliTestBase {
    @TempDir
    Path config;
    private Path usersFile;

    @Override
    ServerOptions configure(ServerOptions options) {
        try {
            usersFile = config.resolve("users");
            Files.writeString(usersFile, "ann:ann-pw\nbob:bob-pw\nboss:boss-pw:admin\n");
            return options.withTenancy(new Tenancy(UserDirectory.load(usersFile, new SecureRandom()),
                    new UserRoots(serverRoot.toRealPath(), 0), 10));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int run(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        return cli().execute(args);
    }

    private String annsSession(WebReplClient client) {
        // The login's answer comes before the session is opened (the reference's bytes first): the
        // server says when the terminal has arrived.
        CompletableFuture<String> arrived = new CompletableFuture<>();
        server.setConnectionArrivedCallback(slot -> arrived.complete(slot.session().id()));
        ReplConnection ann = client.connect("127.0.0.1", server.port(), "ann:ann-pw").join();
        assertTrue(ann.isOpen());
        String id = arrived.orTimeout(10, TimeUnit.SECONDS).join();
        server.setConnectionArrivedCallback(null);
        assertEquals(List.of(id), server.sessions().sessions().stream().map(Session::id).toList());
        return id;
    }

    @Test
    void shareMakesALinkAnotherUserLogsInThroughAndRevokeClosesIt() throws Exception {
        try (WebReplClient client = WebReplClient.newClient()) {
            String id = annsSession(client);
            String session = "127.0.0.1:" + server.port() + "/session/" + id;
            assertEquals(0, run("share", "-p", "ann:ann-pw", session), err.toString());
            Matcher link = Pattern.compile("http://127\\.0\\.0\\.1:" + server.port() + "/session/" + id
                    + "\\?share=([0-9a-f]{32})\n").matcher(out.toString());
            assertTrue(link.matches(), out.toString());
            String token = link.group(1);

            ReplConnection bob = client.connectPath("127.0.0.1", server.port(), "/session/" + id + "?share=" + token)
                    .thenCompose(c -> c.login("bob:bob-pw").thenApply(v -> c)).join();
            assertTrue(bob.isOpen());

            assertEquals(0, run("share", "--list", "-p", "ann:ann-pw", session), err.toString());
            assertEquals(token + " rw\n", out.toString());
            assertEquals(0, run("share", "--revoke", token, "-p", "ann:ann-pw", "127.0.0.1:" + server.port()),
                    err.toString());
            bob.onClose().get(10, TimeUnit.SECONDS);
            assertEquals(0, run("share", "--list", "-p", "ann:ann-pw", session), err.toString());
            assertEquals("", out.toString());
        }
    }

    @Test
    void anotherUserCannotShareOrEndTheSessionAndAnAdminCanEndIt() throws Exception {
        try (WebReplClient client = WebReplClient.newClient()) {
            String id = annsSession(client);
            String session = "127.0.0.1:" + server.port() + "/session/" + id;
            assertEquals(CliFailure.REMOTE_FILE, run("share", "-p", "bob:bob-pw", session));
            assertEquals("", out.toString());
            assertEquals("webrepl: no such session of yours: " + id + "\n", err.toString());
            assertEquals(CliFailure.REMOTE_FILE, run("share", "--end", "-p", "bob:bob-pw", session));
            assertTrue(server.sessions().find(id).isPresent());
            assertEquals(0, run("share", "--end", "-p", "boss:boss-pw", session), err.toString());
            assertTrue(server.sessions().find(id).isEmpty());
        }
    }

    @Test
    void shareOptionsAreExclusive() {
        assertEquals(CliFailure.USAGE, run("share", "--view", "--list", "-p", "ann:ann-pw",
                "127.0.0.1:" + server.port() + "/session/x"));
        assertEquals("webrepl: --view, --list, --revoke and --end: give at most one\n", err.toString());
    }

    // --- serve --users ---------------------------------------------------------------------------

    @TempDir
    Path serveDir;

    @Test
    void serveWithUsersWarnsAboutPlainPasswordsByNameOnly() throws Exception {
        Path users = serveDir.resolve("users");
        String hash = PasswordHash.of("bob-pw".toCharArray(), new SecureRandom()).format();
        Files.writeString(users, "# users\nann:s3cret-ann\nbob:" + hash + ":admin\n");
        StringWriter sOut = new StringWriter();
        StringWriter sErr = new StringWriter();
        ServeCommand cmd = CapturedCli.parseServe(sOut, sErr, "--port", "0", "--root", serveDir.resolve("root").toString(),
                "--engine", "echo", "--no-admin", "--users", users.toString(), "--quota-bytes", "1000");
        try (MonitoredServer running = cmd.start()) {
            assertEquals("WARNING: user ann has a plain password in " + users
                    + "; store its hash instead (webrepl hash-password)\n", sErr.toString());
            assertTrue(sOut.toString().contains("users: 2 from " + users + " (each in "), sOut.toString());
            assertFalse(sOut.toString().contains("Generated password"), sOut.toString());
            try (WebReplClient client = WebReplClient.newClient()) {
                ReplConnection bob = client.connect("127.0.0.1", running.server().port(), "bob:bob-pw").join();
                assertTrue(bob.isOpen());
                bob.close();
            }
            Files.writeString(users, "ann:s3cret-ann\n");
            cmd.reloadUsers();
            assertEquals(List.of("ann"), running.server().options().tenancy().users().users().names());
        } finally {
            cmd.closeEngines();
        }
        assertFalse(sErr.toString().contains("s3cret"));
    }

    private int serve(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        String[] all = new String[args.length + 1];
        all[0] = "serve";
        System.arraycopy(args, 0, all, 1, args.length);
        return cli().execute(all);
    }

    @Test
    void usersWithAPasswordIsAUsageError() throws Exception {
        Path users = serveDir.resolve("users");
        Files.writeString(users, "ann:pw\n");
        assertEquals(2, serve("--users", users.toString(), "--password", "pw", "--port", "0"));
        assertTrue(err.toString().startsWith("--users and --password: give one (with a users file, every login is "
                + "NAME:PASSWORD)\n"), err.toString());
    }

    @Test
    void aBadUsersLineIsAUsageErrorNamingItsNumberNotItsContent() throws Exception {
        Path users = serveDir.resolve("users");
        Files.writeString(users, "# fine\nann:pw\nNot-A-Name:hunter2\n");
        assertEquals(2, serve("--users", users.toString(), "--port", "0", "--root", serveDir.resolve("r").toString()));
        assertTrue(err.toString().startsWith("--users " + users + ": line 3: a user name is [a-z_][a-z0-9_-]{0,31}\n"),
                err.toString());
        assertFalse(err.toString().contains("hunter2"));
    }

    @Test
    void withUsersAnEngineThatRunsProgramsUnsandboxedIsRefused() throws Exception {
        Path users = serveDir.resolve("users");
        Files.writeString(users, "ann:pw\n");
        String root = serveDir.resolve("r").toString();
        // LOCAL runs user code in the server itself: refused. (REMOTE child JVMs run in the sandbox:
        // ServeSandboxTest#withUsersTheDefaultJshellRunsInTheOwnersSandboxAndSeesNothingOfTheServers.)
        assertEquals(2, serve("--users", users.toString(), "--port", "0", "--no-admin", "--root", root,
                "--jshell-execution", "LOCAL"));
        assertEquals("WARNING: user ann has a plain password in " + users + "; store its hash instead (webrepl "
                + "hash-password)\n--users: --engine jshell with LOCAL execution (in the server's JVM) would run "
                + "programs without a sandbox; give --sandbox none to allow that\nTry 'webrepl serve --help' for more "
                + "information.\n", err.toString());
    }
}
