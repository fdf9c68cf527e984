package dev.webrepl.transport.conformance;

import static dev.webrepl.transport.conformance.FileProtocol.OK;
import static dev.webrepl.transport.conformance.FileProtocol.status;
import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.concat;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.protocol.PasswordHash;
import dev.webrepl.testkit.clients.OfficialCli;
import dev.webrepl.core.users.Tenancy;
import dev.webrepl.core.users.UserDirectory;
import dev.webrepl.core.users.UserRoots;
import dev.webrepl.transport.server.ServerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A server with a users file (README "Users"): logins as {@code NAME:PASSWORD}, each user's files in
 * {@code ROOT/NAME}, quotas, reloads, sessions that belong to their owner, share links and admins.
 * Exact bytes on a real socket, files on disk.
 */
class UsersConformanceTest extends ServerTestBase {
    /** bob's line holds a hash, as {@code webrepl hash-password} prints it; the others are plain. */
    private static final String BOB_HASH = PasswordHash.of("bob-pw".toCharArray(), new SecureRandom()).format();
    private static final String USERS = "# two users and an admin\n\nann:ann-pw\nbob:" + BOB_HASH + "\nboss:boss-pw:admin\n";
    private static final int SHARE = 0x4A;

    private Path usersFile;
    private UserDirectory directory;
    private long quota;
    /** Sessions run {@code pwd} in a pty instead of the echo engine. */
    private boolean pwd;

    @Override
    protected dev.webrepl.dupterm.SessionRegistry newRegistry() {
        if (!pwd) {
            return super.newRegistry();
        }
        dev.webrepl.engines.process.ProcessEngineConfig config = new dev.webrepl.engines.process.ProcessEngineConfig(
                List.of("/bin/sh", "-c", "stty -echo; pwd; exec sleep 60"), java.util.Map.of("PATH", "/usr/bin:/bin"),
                root, 80, 24, Duration.ofSeconds(1));
        return new dev.webrepl.dupterm.SessionRegistry(() -> new dev.webrepl.engines.process.ProcessEngine(config),
                new SecureRandom());
    }
    private int maxPerUser = 10;

    @Override
    protected ServerOptions configure(ServerOptions options) {
        try {
            usersFile = tempDir.resolve("users");
            if (!Files.exists(usersFile)) {
                Files.writeString(usersFile, USERS);
            }
            directory = UserDirectory.load(usersFile, new SecureRandom());
            return options.withTenancy(new Tenancy(directory, new UserRoots(root.toRealPath(), quota), maxPerUser));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private RawWebSocket as(String user) throws IOException {
        return connect().login(user + ":" + user + "-pw");
    }

    private RawWebSocket as(String user, String path) throws IOException {
        return connect().login(path, user + ":" + user + "-pw");
    }

    private void deniedFor(String entry) throws IOException {
        RawWebSocket c = connect().handshake();
        c.send(frame(0x82, ascii(entry + "\r")));
        c.expect(RawWebSocket.DENIED_FRAME);
        c.expectEof();
    }

    private static byte[] request(int type, long size, String name) {
        return frame(0x82, FileProtocol.header(type, size, name));
    }

    private static void echoes(RawWebSocket c, String line) throws IOException {
        c.send(frame(0x81, ascii(line + "\r")));
        c.expectText(line + "\r\n" + line + "\r\n>>> ");
    }

    /** SHARE (PROTOCOL.md §11): {@code WB 00 00}, then the 32-hex-digit token in a frame of its own. */
    private static String share(RawWebSocket c, int operation, String session) throws IOException {
        c.send(request(SHARE, operation, session));
        c.expectBinary(OK);
        RawWebSocket.Frame token = c.readFrame();
        assertEquals(2, token.opcode());
        String t = new String(token.payload(), StandardCharsets.US_ASCII);
        assertTrue(t.matches("[0-9a-f]{32}"), t);
        return t;
    }

    private List<String> filesOf(String user) throws IOException {
        try (Stream<Path> s = Files.list(root.resolve(user))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    // --- login ---------------------------------------------------------------------------------

    @Test
    @DisplayName("NAME:PASSWORD in the CLI's password frame logs in; the user's root is made with 0700")
    void nameColonPasswordLogsIn() throws Exception {
        RawWebSocket c = as("ann");
        echoes(c, "1+1");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("ann"))));
    }

    @Test
    @DisplayName("a user whose line holds a hash logs in with the password")
    void hashedUserLogsIn() throws Exception {
        echoes(as("bob"), "x");
    }

    @Test
    @DisplayName("a wrong password is 'Access denied' and a TCP close, as with one password")
    void wrongPasswordIsDenied() throws Exception {
        deniedFor("ann:bob-pw");
    }

    @Test
    @DisplayName("an unknown user gets the same bytes as a wrong password")
    void unknownUserIsDenied() throws Exception {
        deniedFor("zed:zed-pw");
    }

    @Test
    @DisplayName("an entry without ':' (a password alone) is denied")
    void entryWithoutColonIsDenied() throws Exception {
        deniedFor("ann-pw");
    }

    @Test
    @DisplayName("failed logins lock the address out as with one password: then even a right NAME:PASSWORD gets 1008")
    void failedLoginsLockTheAddressOut() throws Exception {
        restartWith(o -> configure(o).withSecurity(dev.webrepl.transport.server.SecurityOptions.DEFAULTS
                .withLoginFailures(1, Duration.ofMinutes(5)).withHardLockoutFailures(1)
                .withFailureDelay(Duration.ZERO, Duration.ZERO)));
        deniedFor("ann:wrong");
        RawWebSocket c = connect();
        c.send(RawWebSocket.request("/"));
        c.expect(RawWebSocket.CLI_RESPONSE);
        assertEquals("too many failed logins; try again later", c.expectClose(1008));
    }

    @Test
    @DisplayName("the server password of a single-password server means nothing here")
    void serverPasswordIsNotAUser() throws Exception {
        deniedFor(PASSWORD);
    }

    @Test
    @DisplayName("the official CLI's -p NAME:PASSWORD logs in, and its PUT and GET use the user's root")
    void officialCliLogsInAsAUser() throws Exception {
        byte[] data = FileProtocol.pattern(3000);
        try (OfficialCli cli = OfficialCli.connect("127.0.0.1", server.port(), Duration.ofSeconds(10))) {
            cli.login("ann:ann-pw");
            cli.put(data, "/cli.bin");
        }
        assertArrayEquals(data, Files.readAllBytes(root.resolve("ann/cli.bin")));
        try (OfficialCli cli = OfficialCli.connect("127.0.0.1", server.port(), Duration.ofSeconds(10))) {
            cli.login("ann:ann-pw");
            assertArrayEquals(data, cli.get("/cli.bin"));
        }
    }

    // --- files ---------------------------------------------------------------------------------

    @Test
    @DisplayName("a PUT by one user lands in ROOT/NAME; another user cannot GET, LIST or reach it by '..'")
    void usersFilesAreApart() throws Exception {
        RawWebSocket ann = as("ann");
        ann.send(frame(0x82, concat(FileProtocol.header(FileProtocol.PUT, 3, "x.txt"), ascii("abc"))));
        ann.expectBinary(OK);
        ann.expectBinary(OK);
        assertEquals("abc", Files.readString(root.resolve("ann/x.txt")));

        RawWebSocket bob = as("bob");
        bob.send(FileProtocol.getFrame("x.txt"));
        bob.expectBinary(status(2));
        bob.send(FileProtocol.getFrame("../ann/x.txt"));
        bob.expectBinary(status(13));
        bob.send(FileProtocol.getFrame("/../ann/x.txt"));
        bob.expectBinary(status(13));
        bob.send(FileProtocol.putFrame("../ann/y.txt", 1));
        bob.expectBinary(status(13));
        bob.send(request(FileProtocol.DELETE, 0, "../ann/x.txt"));
        bob.expectBinary(status(13));
        bob.send(request(FileProtocol.STAT, 0, "../ann/x.txt"));
        bob.expectBinary(status(13));
        bob.send(request(FileProtocol.LIST, 0, "../ann"));
        bob.expectBinary(status(13));
        bob.send(request(FileProtocol.MKDIR, 0, "../ann/d"));
        bob.expectBinary(status(13));
        bob.send(frame(0x82, FileProtocol.rename("../ann/x.txt", "mine.txt")));
        bob.expectBinary(status(13));
        // A name that is absolute, or names ann's directory, is bob's own path: it does not exist there.
        bob.send(FileProtocol.getFrame("/ann/x.txt"));
        bob.expectBinary(status(2));
        bob.send(frame(0x82, FileProtocol.rename("/ann/x.txt", "mine.txt")));
        bob.expectBinary(status(2));
        bob.send(request(FileProtocol.DELETE, 0, "/ann/x.txt"));
        bob.expectBinary(status(2));
        bob.send(request(FileProtocol.LIST, 0, "/"));
        bob.expectBinary(OK);
        assertEquals(0, FileProtocol.readChunks(bob).length, "bob's / is empty");
        assertEquals(List.of("x.txt"), filesOf("ann"));
        assertEquals("abc", Files.readString(root.resolve("ann/x.txt")));
        assertEquals(List.of(), filesOf("bob"));
    }

    @Test
    @DisplayName("--quota-bytes: a PUT past it gets 122 and leaves nothing; one that fits is written")
    void putPastTheQuotaIsRefused() throws Exception {
        quota = 10;
        restartWith(this::configure);
        RawWebSocket ann = as("ann");
        ann.send(FileProtocol.putFrame("big", 11));
        ann.expectBinary(status(122));
        assertEquals(List.of(), filesOf("ann"));
        ann.send(frame(0x82, concat(FileProtocol.header(FileProtocol.PUT, 6, "a"), ascii("123456"))));
        ann.expectBinary(OK);
        ann.expectBinary(OK);
        ann.send(FileProtocol.putFrame("b", 6));
        ann.expectBinary(status(122));
        assertEquals(List.of("a"), filesOf("ann"));
    }

    @Test
    @DisplayName("--quota-bytes: two PUTs of one user at once cannot pass it together (reserved up front)")
    void concurrentPutsShareTheQuota() throws Exception {
        quota = 10;
        restartWith(this::configure);
        RawWebSocket first = as("ann");
        RawWebSocket second = as("ann");
        first.send(FileProtocol.putFrame("a", 6));
        first.expectBinary(OK);
        // The first PUT's 6 bytes are reserved though none has arrived: 6 more do not fit.
        second.send(FileProtocol.putFrame("b", 6));
        second.expectBinary(status(122));
        first.send(frame(0x82, ascii("123456")));
        first.expectBinary(OK);
        second.send(frame(0x82, concat(FileProtocol.header(FileProtocol.PUT, 4, "c"), ascii("1234"))));
        second.expectBinary(OK);
        second.expectBinary(OK);
        assertEquals(List.of("a", "c"), filesOf("ann"));
        // Another user's quota is their own.
        RawWebSocket bob = as("bob");
        bob.send(frame(0x82, concat(FileProtocol.header(FileProtocol.PUT, 10, "d"), ascii("0123456789"))));
        bob.expectBinary(OK);
        bob.expectBinary(OK);
    }

    @Test
    @DisplayName("an engine that runs a program starts it in the owner's root")
    void enginesWorkInTheOwnersRoot() throws Exception {
        pwd = true;
        restartWith(this::configure);
        as("ann").expectText(root.toRealPath().resolve("ann") + "\r\n");
        as("bob").expectText(root.toRealPath().resolve("bob") + "\r\n");
    }

    // --- reload --------------------------------------------------------------------------------

    @Test
    @DisplayName("a reload adds a user and removes one: the removed user's session ends, the others carry on")
    void reloadAddsAndRemovesUsers() throws Exception {
        RawWebSocket ann = as("ann");
        RawWebSocket bob = as("bob");
        Files.writeString(usersFile, "ann:ann-pw\ncat:cat-pw\n");
        assertTrue(directory.reloadIfChanged());
        bob.expectTextThenClose("\r\nsession ended: user removed\r\n", 1008);
        echoes(ann, "still here");
        echoes(as("cat"), "new");
        deniedFor("bob:bob-pw");
        assertFalse(directory.reloadIfChanged(), "an unchanged file is not read again");
    }

    @Test
    @DisplayName("a reload that fails (a bad line) keeps the old users")
    void failedReloadKeepsTheOldUsers() throws Exception {
        RawWebSocket ann = as("ann");
        Files.writeString(usersFile, "ann:ann-pw\nNot A Name:pw\n");
        assertFalse(directory.reload());
        echoes(ann, "still here");
        echoes(as("bob"), "bob too");
    }

    // --- sessions, shares, admins --------------------------------------------------------------

    @Test
    @DisplayName("another user attaching by id (read-write or view) is refused exactly as for an unknown id")
    void anotherUsersSessionIsUnknown() throws Exception {
        String id = as("ann").sessionId();
        for (String path : List.of("/session/" + id, "/session/" + id + "?mode=view", "/session/" + id
                + "?share=00000000000000000000000000000000")) {
            RawWebSocket bob = connect().handshake(path);
            bob.send(frame(0x82, ascii("bob:bob-pw\r")));
            bob.expectRefusal("no such session: " + id, 1008);
        }
        RawWebSocket bob = connect().handshake("/session/AAAAAAAAAAAAAAAAAAAAAA");
        bob.send(frame(0x82, ascii("bob:bob-pw\r")));
        bob.expectRefusal("no such session: AAAAAAAAAAAAAAAAAAAAAA", 1008);
    }

    @Test
    @DisplayName("the owner attaches to their own session by id; an admin attaches to anyone's")
    void ownerAndAdminAttach() throws Exception {
        RawWebSocket ann = as("ann");
        String id = ann.sessionId();
        RawWebSocket again = as("ann", "/session/" + id);
        RawWebSocket boss = as("boss", "/session/" + id);
        ann.send(frame(0x81, ascii("hi\r")));
        for (RawWebSocket c : List.of(ann, again, boss)) {
            c.expectText("hi\r\nhi\r\n>>> ");
        }
    }

    @Test
    @DisplayName("a read-write share link lets another user attach and type")
    void readWriteShareGrantsTheAttach() throws Exception {
        RawWebSocket ann = as("ann");
        String id = ann.sessionId();
        String token = share(ann, 1, "");
        // The URL's mode does not count: the share's does.
        RawWebSocket bob = as("bob", "/session/" + id + "?share=" + token + "&mode=view");
        bob.send(frame(0x81, ascii("from bob\r")));
        ann.expectText("from bob\r\nfrom bob\r\n>>> ");
        bob.expectText("from bob\r\nfrom bob\r\n>>> ");
        ann.send(request(SHARE, 0, ""));
        ann.expectBinary(OK);
        ann.expectBinary(ascii(token + " rw\n"));
    }

    @Test
    @DisplayName("a view-only share link lets another user watch, not type nor touch files")
    void viewShareGrantsWatching() throws Exception {
        RawWebSocket ann = as("ann");
        String id = ann.sessionId();
        String token = share(ann, 2, id);
        RawWebSocket bob = as("bob", "/session/" + id + "?share=" + token);
        bob.send(frame(0x81, ascii("ignored\r")));
        bob.send(FileProtocol.getFrame("x"));
        bob.expectBinary(status(13));
        bob.send(request(SHARE, 1, ""));
        bob.expectBinary(status(13));
        ann.send(frame(0x81, ascii("hi\r")));
        ann.expectText("hi\r\nhi\r\n>>> ");
        bob.expectText("hi\r\nhi\r\n>>> ");
    }

    @Test
    @DisplayName("revoking a share closes the terminals that came through it with 1008; the link stops working")
    void revokeClosesTheSharedTerminals() throws Exception {
        RawWebSocket ann = as("ann");
        String id = ann.sessionId();
        String token = share(ann, 1, "");
        RawWebSocket bob = as("bob", "/session/" + id + "?share=" + token);
        ann.send(request(SHARE, 3, token));
        assertEquals("share revoked", bob.expectClose(1008));
        // The reply and the deactivation line travel apart (file channel, terminal): either may come first.
        List<byte[]> replies = ann.collect("\r\ndupterm: terminal 1 deactivated: share revoked\r\n", 1);
        assertArrayEquals(OK, replies.get(0));
        ann.send(request(SHARE, 3, token));
        ann.expectBinary(status(2));
        RawWebSocket again = connect().handshake("/session/" + id + "?share=" + token);
        again.send(frame(0x82, ascii("bob:bob-pw\r")));
        again.expectRefusal("no such session: " + id, 1008);
    }

    @Test
    @DisplayName("a reload that removes a user closes their terminals on others' sessions with 1008; those go on")
    void removingAUserClosesTheirTerminalsOnOthersSessions() throws Exception {
        RawWebSocket ann = as("ann");
        String id = ann.sessionId();
        String token = share(ann, 1, "");
        RawWebSocket bob = as("bob", "/session/" + id + "?share=" + token);
        Files.writeString(usersFile, "ann:ann-pw\nboss:boss-pw:admin\n");
        assertTrue(directory.reloadIfChanged());
        assertEquals("user removed", bob.expectClose(1008));
        ann.expectText("\r\ndupterm: terminal 1 deactivated: user removed\r\n");
        echoes(ann, "still here");
    }

    @Test
    @DisplayName("an admin demoted by a reload loses what only an admin could attach; their sessions and shares stay")
    void demotingAnAdminClosesTheTerminalsOnlyAnAdminCouldOpen() throws Exception {
        RawWebSocket ann = as("ann");
        String id = ann.sessionId();
        RawWebSocket byId = as("boss", "/session/" + id);
        String token = share(ann, 2, id);
        RawWebSocket shared = as("boss", "/session/" + id + "?share=" + token);
        RawWebSocket own = as("boss");
        Files.writeString(usersFile, USERS.replace("boss:boss-pw:admin", "boss:boss-pw"));
        assertTrue(directory.reloadIfChanged());
        assertEquals("no longer an admin", byId.expectClose(1008));
        for (RawWebSocket c : List.of(ann, shared)) {
            c.expectText("\r\ndupterm: terminal 1 deactivated: no longer an admin\r\n");
        }
        ann.send(frame(0x81, ascii("hi\r")));
        for (RawWebSocket c : List.of(ann, shared)) {
            c.expectText("hi\r\nhi\r\n>>> ");
        }
        echoes(own, "mine");
        RawWebSocket again = connect().handshake("/session/" + id);
        again.send(frame(0x82, ascii("boss:boss-pw\r")));
        again.expectRefusal("no such session: " + id, 1008);
    }

    @Test
    @DisplayName("only the owner (or an admin) shares a session: anyone else gets 2, as for no session")
    void othersCannotShare() throws Exception {
        String id = as("ann").sessionId();
        RawWebSocket bob = as("bob");
        bob.send(request(SHARE, 1, id));
        bob.expectBinary(status(2));
        RawWebSocket boss = as("boss");
        share(boss, 2, id);
    }

    @Test
    @DisplayName("an admin ends any session: its terminals get the reason and 1008")
    void adminEndsASession() throws Exception {
        RawWebSocket ann = as("ann");
        RawWebSocket boss = as("boss");
        boss.send(request(SHARE, 4, ann.sessionId()));
        boss.expectBinary(OK);
        ann.expectTextThenClose("\r\nsession ended: ended by boss\r\n", 1008);
        RawWebSocket bob = as("bob");
        bob.send(request(SHARE, 4, boss.sessionId()));
        bob.expectBinary(status(2));
    }

    @Test
    @DisplayName("without a users file SHARE is an unknown type (22) and FEATURES does not name it")
    void singlePasswordServersHaveNoShares() throws Exception {
        restartWith(o -> o);
        RawWebSocket c = loggedIn();
        c.send(request(SHARE, 1, ""));
        c.expectBinary(status(22));
        c.send(request(FileProtocol.FEATURES, 0, ""));
        c.expectBinary(OK);
        c.expectBinary(ascii("resize features stat list delete mkdir rename long-name resume flow sessions"));
        // Anyone with the password attaches by id, as before.
        echoes(loggedIn("/session/" + c.sessionId()), "attached");
    }

    @Test
    @DisplayName("with a users file FEATURES names 'share'")
    void featuresNameShare() throws Exception {
        RawWebSocket ann = as("ann");
        ann.send(request(FileProtocol.FEATURES, 0, ""));
        ann.expectBinary(OK);
        ann.expectBinary(ascii("resize features stat list delete mkdir rename long-name resume flow sessions share"));
    }

    @Test
    @DisplayName("--max-sessions-per-user: one more session gets 1013 and a line naming the limit")
    void sessionsPerUserAreLimited() throws Exception {
        maxPerUser = 1;
        restartWith(this::configure);
        as("ann");
        RawWebSocket second = connect().handshake();
        second.send(frame(0x82, ascii("ann:ann-pw\r")));
        second.expectRefusal("user ann has 1 sessions already (--max-sessions-per-user)", 1013);
        echoes(as("bob"), "bob is not limited by ann");
    }
}
