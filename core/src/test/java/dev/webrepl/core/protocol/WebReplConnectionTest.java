package dev.webrepl.core.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.files.FileStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class WebReplConnectionTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] VERSION = {1, 0x1D, 0};
    private static final String PROMPT = "text:Password: ";
    private static final String CONNECTED = "text:\r\nWebREPL connected\r\n>>> ";
    private static final String DENIED = "text:\r\nAccess denied\r\n";
    private static final String CLOSE = "close";

    /** Records what the connection sends: text frames as ASCII, binary frames as hex. */
    static final class FakeWire implements WebReplConnection.Wire {
        final List<String> events = new ArrayList<>();

        @Override
        public void text(byte[] payload) {
            events.add("text:" + new String(payload, StandardCharsets.ISO_8859_1));
        }

        @Override
        public void binary(byte[] payload) {
            events.add("binary:" + HEX.formatHex(payload));
        }

        @Override
        public void closeWithoutFrame() {
            events.add(CLOSE);
        }

        @Override
        public void close(int code, String reason) {
            events.add("close:" + code + ":" + reason);
        }

        List<String> take() {
            List<String> copy = List.copyOf(events);
            events.clear();
            return copy;
        }
    }

    /** Records input (and its frame number); {@link #admission} is what each input returns. */
    static final class FakeTerminal implements WebReplConnection.Terminal {
        final List<String> inputs = new ArrayList<>();
        final List<Long> seqs = new ArrayList<>();
        Mono<Void> admission = Mono.empty();
        int closes;

        @Override
        public Mono<Void> input(long seq, byte[] bytes) {
            inputs.add(new String(bytes, StandardCharsets.ISO_8859_1));
            seqs.add(seq);
            return admission;
        }

        @Override
        public void close() {
            closes++;
        }
    }

    record Ended(TransferListener.Kind kind, long bytes, FileStatus status) { }

    @TempDir
    Path root;
    FileStore store;
    final FakeWire wire = new FakeWire();
    final List<FakeTerminal> terminals = new ArrayList<>();
    final List<Ended> transfers = new ArrayList<>();
    final List<String> entries = new ArrayList<>();
    TerminalRefusedException refusal;
    WebReplConnection connection;

    @BeforeEach
    void setUp() throws IOException {
        store = new FileStore(root);
        connection = connection(PasswordCheck.plain("secret"));
    }

    private WebReplConnection connection(PasswordCheck check) {
        PasswordCheck recording = entry -> {
            entries.add(new String(entry, StandardCharsets.ISO_8859_1));
            return check.matches(entry);
        };
        return new WebReplConnection(recording,
                () -> {
                    if (refusal != null) {
                        throw refusal;
                    }
                    FakeTerminal t = new FakeTerminal();
                    terminals.add(t);
                    return t;
                },
                replies -> new FileTransferChannel(store, 256, VERSION, replies,
                        (kind, detail, bytes, status, took) -> transfers.add(new Ended(kind, bytes, status))),
                wire);
    }

    /** Sends a frame and checks it was taken at once (every fake terminal admits at once). */
    private void frame(Opcode opcode, byte[] payload) {
        StepVerifier.create(connection.onFrame(opcode, payload)).verifyComplete();
    }

    private void text(String s) {
        frame(Opcode.TEXT, s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private void continuation(String s) {
        frame(Opcode.CONTINUATION, s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private void binary(byte[] b) {
        frame(Opcode.BINARY, b);
    }

    private void binary(String s) {
        binary(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static byte[] getVer() {
        return FileRequest.of(FileRequest.GET_VER, 0, "").encode();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private FakeTerminal terminal() {
        assertEquals(1, terminals.size(), "exactly one terminal is opened at login");
        return terminals.get(0);
    }

    private void loggedIn() {
        connection.start();
        binary("secret\r");
        wire.take();
    }

    private List<Path> partFiles() {
        try (Stream<Path> files = Files.list(root)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- password stage ------------------------------------------------------------------------

    @Test
    void startSendsThePasswordPromptAsOneTextFrame() {
        connection.start();

        assertEquals(List.of(PROMPT), wire.take());
        assertFalse(connection.loggedIn());
        assertTrue(terminals.isEmpty());
    }

    @Test
    void passwordInABinaryFrameAsWebreplCliSendsItLogsIn() {
        connection.start();
        wire.take();

        binary("secret\r");

        assertEquals(List.of(CONNECTED), wire.take());
        assertTrue(connection.loggedIn());
        assertEquals(List.of("secret"), entries);
        assertEquals(List.of(), terminal().inputs);
    }

    @ParameterizedTest
    @ValueSource(strings = {"secret\r", "secret\n"})
    void passwordInATextFrameEndedByCrOrLfLogsIn(String frame) {
        connection.start();
        wire.take();

        text(frame);

        assertEquals(List.of(CONNECTED), wire.take());
        assertEquals(List.of("secret"), entries);
    }

    @Test
    void passwordTypedOneKeystrokePerFrameLogsInOnlyAtTheTerminator() {
        connection.start();
        wire.take();

        for (char c : "secret".toCharArray()) {
            text(String.valueOf(c));
            assertEquals(List.of(), wire.take());
            assertTrue(terminals.isEmpty());
        }
        text("\r");

        assertEquals(List.of(CONNECTED), wire.take());
        assertTrue(connection.loggedIn());
    }

    @Test
    void passwordSplitOverTextBinaryAndContinuationFramesLogsIn() {
        connection.start();
        wire.take();

        text("se");
        binary("cr");
        continuation("et");
        frame(Opcode.TEXT, new byte[0]);
        binary("\n");

        assertEquals(List.of(CONNECTED), wire.take());
        assertEquals(List.of("secret"), entries);
    }

    @Test
    void wrongPasswordSendsAccessDeniedThenClosesWithoutACloseFrame() {
        connection.start();
        wire.take();

        text("nope\r");

        assertEquals(List.of(DENIED, CLOSE), wire.take());
        assertFalse(connection.loggedIn());
        assertTrue(terminals.isEmpty());
    }

    @Test
    void framesAfterADeniedPasswordAreIgnored() {
        connection.start();
        text("nope\r");
        wire.take();

        text("secret\r");
        binary(getVer());
        text("1+1\r");
        continuation("x\r");
        connection.close();

        assertEquals(List.of(), wire.take());
        assertTrue(terminals.isEmpty());
        assertEquals(List.of("nope"), entries, "only one attempt per connection");
    }

    @Test
    void bytesAfterAWrongPasswordInTheSameFrameAreIgnored() {
        connection.start();
        wire.take();

        text("nope\rsecret\r1+1\r");

        assertEquals(List.of(DENIED, CLOSE), wire.take());
        assertTrue(terminals.isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"secretXXXXXXXX\n", "secretX\r", "secre\r", "\r", "SECRET\r", "sec\bret\r", "secret\0\r", " secret\r"})
    void anyEntryOtherThanThePasswordIsDenied(String frame) {
        connection.start();
        wire.take();

        binary(frame);

        assertEquals(List.of(DENIED, CLOSE), wire.take());
    }

    @Test
    void anEntryLongerThanTheStoredLimitIsDeniedEvenIfItsStartMatches() {
        String password = "p".repeat(WebReplConnection.MAX_PASSWORD_ENTRY);
        connection = connection(PasswordCheck.plain(password));
        connection.start();
        wire.take();

        text(password + "p\r");

        assertEquals(List.of(DENIED, CLOSE), wire.take());
    }

    @Test
    void aPasswordOfExactlyTheStoredLimitIsAccepted() {
        String password = "p".repeat(WebReplConnection.MAX_PASSWORD_ENTRY);
        connection = connection(PasswordCheck.plain(password));
        connection.start();
        wire.take();

        text(password + "\r");

        assertEquals(List.of(CONNECTED), wire.take());
    }

    @Test
    void nothingReachesTheTerminalOrFileChannelBeforeLogin() {
        connection.start();
        wire.take();

        text("1+1");
        binary(getVer());

        assertEquals(List.of(), wire.take());
        assertTrue(terminals.isEmpty());
        assertFalse(connection.loggedIn());
    }

    // --- after the terminator ------------------------------------------------------------------

    @Test
    void textAfterTheTerminatorInTheSameTextFrameGoesToTheTerminal() {
        connection.start();
        wire.take();

        text("secret\r\n6*7\r");

        assertEquals(List.of(CONNECTED), wire.take());
        assertEquals(List.of("\n6*7\r"), terminal().inputs);
    }

    @Test
    void bytesAfterTheTerminatorInTheSameBinaryFrameGoToTheFileChannel() {
        connection.start();
        wire.take();

        binary(concat("secret\r".getBytes(StandardCharsets.US_ASCII), getVer()));

        assertEquals(List.of(CONNECTED, "binary:011d00"), wire.take());
        assertEquals(List.of(), terminal().inputs);
    }

    @Test
    void aTerminatorAtTheEndOfTheFrameSendsNothingOnward() {
        connection.start();
        wire.take();

        text("secret\r");

        assertEquals(List.of(), terminal().inputs);
    }

    // --- after login ---------------------------------------------------------------------------

    @Test
    void textFramesGoToTheTerminalByteForByte() {
        loggedIn();

        frame(Opcode.TEXT, new byte[] {'1', '+', '1', '\r', (byte) 0xC3});

        assertEquals(List.of("1+1\r\u00c3"), terminal().inputs);
        assertEquals(List.of(), wire.take());
    }

    @Test
    void binaryFramesGoToTheFileChannelAndRepliesAreBinaryFrames() {
        loggedIn();

        binary(Arrays.copyOfRange(getVer(), 0, 10));
        assertEquals(List.of(), wire.take());
        binary(Arrays.copyOfRange(getVer(), 10, 82));

        assertEquals(List.of("binary:011d00"), wire.take());
        assertEquals(List.of(), terminal().inputs);
    }

    @Test
    void aContinuationAfterATextFrameGoesToTheTerminal() {
        loggedIn();

        text("pri");
        continuation("nt(5)\r");

        assertEquals(List.of("pri", "nt(5)\r"), terminal().inputs);
        assertEquals(List.of(), wire.take());
    }

    @Test
    void aContinuationAfterABinaryFrameGoesToTheFileChannel() {
        loggedIn();

        binary(Arrays.copyOfRange(getVer(), 0, 40));
        frame(Opcode.CONTINUATION, Arrays.copyOfRange(getVer(), 40, 82));

        assertEquals(List.of("binary:011d00"), wire.take());
        assertEquals(List.of(), terminal().inputs);
    }

    @Test
    void aContinuationRightAfterLoginFollowsTheTypeOfTheLoginFrame() {
        connection.start();
        text("secret\r");
        wire.take();

        continuation("x");

        assertEquals(List.of("x"), terminal().inputs);
    }

    @Test
    void textBetweenPutDataFramesReachesTheTerminalAndThePutStaysByteExact() throws IOException {
        loggedIn();
        byte[] data = new byte[1284];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }

        binary(FileRequest.of(FileRequest.PUT_FILE, data.length, "t14.bin").encode());
        binary(Arrays.copyOfRange(data, 0, 700));
        text("7*6\r");
        binary(Arrays.copyOfRange(data, 700, data.length));

        assertEquals(List.of("binary:57420000", "binary:57420000"), wire.take());
        assertEquals(List.of("7*6\r"), terminal().inputs);
        assertEquals(HEX.formatHex(data), HEX.formatHex(Files.readAllBytes(root.resolve("t14.bin"))));
    }

    @Test
    void textFramesAreNumberedFromZeroCountingThePasswordStageAndTextContinuations() {
        connection.start();
        wire.take();

        text("sec");
        binary("r");
        continuation("e");
        text("t\rA");
        binary(getVer());
        text("B");
        continuation("C");

        assertEquals(List.of("secret"), entries);
        assertEquals(List.of("A", "B", "C"), terminal().inputs);
        assertEquals(List.of(1L, 2L, 3L), terminal().seqs);
    }

    @Test
    void aTerminalFrameIsTakenOnlyWhenTheTerminalHasAdmittedIt() {
        loggedIn();
        Sinks.Empty<Void> room = Sinks.empty();
        terminal().admission = room.asMono();

        StepVerifier.create(connection.onFrame(Opcode.TEXT, "1+1\r".getBytes(StandardCharsets.US_ASCII)))
                .expectSubscription()
                .expectNoEvent(Duration.ZERO)
                .then(room::tryEmitEmpty)
                .verifyComplete();
        assertEquals(List.of("1+1\r"), terminal().inputs);
    }

    @Test
    void aRefusedTerminalSendsTheMessageLineThenClosesWithItsCodeAndIgnoresLaterFrames() {
        refusal = new TerminalRefusedException(1013, "the server has its maximum of 2 sessions");
        connection.start();
        wire.take();

        text("secret\r1+1\r");
        text("2+2\r");
        binary(getVer());
        connection.close();

        assertEquals(List.of(CONNECTED, "text:\r\nthe server has its maximum of 2 sessions\r\n",
                "close:1013:the server has its maximum of 2 sessions"), wire.take());
        assertFalse(connection.loggedIn());
        assertTrue(terminals.isEmpty());
        assertEquals(List.of(), transfers);
    }

    // --- close ---------------------------------------------------------------------------------

    @Test
    void closeClosesTheTerminalOnce() {
        loggedIn();

        connection.close();
        connection.close();

        assertEquals(1, terminal().closes);
        assertFalse(connection.loggedIn());
    }

    @Test
    void closeAbortsAPutInProgressAndDeletesItsTemporaryFile() throws IOException {
        Files.writeString(root.resolve("f.txt"), "old");
        loggedIn();
        binary(FileRequest.of(FileRequest.PUT_FILE, 100, "f.txt").encode());
        binary("only part of it");
        assertEquals(1, partFiles().size());

        connection.close();

        assertEquals(List.of(), partFiles());
        assertEquals("old", Files.readString(root.resolve("f.txt")));
        assertEquals(List.of(new Ended(TransferListener.Kind.PUT, 15, FileStatus.IO_ERROR)), transfers);
    }

    @Test
    void framesAfterCloseAreIgnored() {
        loggedIn();
        connection.close();
        wire.take();

        text("1+1\r");
        binary(getVer());

        assertEquals(List.of(), terminal().inputs);
        assertEquals(List.of(), wire.take());
    }

    @Test
    void closeBeforeLoginOpensNothingAndSendsNothing() {
        connection.start();
        text("secr");
        wire.take();

        connection.close();
        text("et\r");

        assertEquals(List.of(), wire.take());
        assertTrue(terminals.isEmpty());
    }
}
