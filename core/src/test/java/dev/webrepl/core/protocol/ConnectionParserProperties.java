package dev.webrepl.core.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.EntryCodec;
import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.files.FileStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Properties of the connection parser (issue #9): {@link WebReplConnection} with its
 * {@link FileTransferChannel}, fed random byte streams cut into frames anywhere. Each property runs
 * a few hundred seeded tries ({@link RandomTries}: {@code -Dwebrepl.property.tries=N} for more); a
 * failure names the seed that reproduces it.
 */
class ConnectionParserProperties {
    private static final byte[] VERSION = {1, 0x1D, 0};
    private static final int CHUNK = 256;
    private static final String PASSWORD = "secret";
    private static final byte[] WB_OK = FileTransferChannel.statusReply(FileStatus.OK);
    private static final byte[] WB_INVALID = FileTransferChannel.statusReply(FileStatus.INVALID_REQUEST);
    /** Bounds one whole try: a parser that loops without consuming fails here instead of hanging the build. */
    private static final Duration TRY_LIMIT = Duration.ofSeconds(20);
    private static final HexFormat HEX = HexFormat.of();

    /** One data frame as the transport hands it over. */
    record Frame(Opcode opcode, byte[] payload) {
        @Override
        public String toString() {
            return opcode + ":" + HEX.formatHex(payload, 0, Math.min(payload.length, 40))
                    + (payload.length > 40 ? "...(" + payload.length + ")" : "");
        }
    }

    /** A logged-in connection over a fresh file root, recording everything it sends. */
    private static final class Harness implements AutoCloseable {
        final Path root;
        final List<byte[]> binaries = new ArrayList<>();
        final List<String> others = new ArrayList<>();
        final ByteArrayOutputStream terminalInput = new ByteArrayOutputStream();
        final WebReplConnection connection;

        Harness() throws IOException {
            root = Files.createTempDirectory("webrepl-prop");
            FileStore store = new FileStore(root);
            // Something for GET, STAT and LIST to find.
            byte[] content = new byte[600];
            new Random(1).nextBytes(content);
            Files.write(root.resolve("a"), content);
            Files.createDirectories(root.resolve("d"));
            Files.writeString(root.resolve("d/b"), "print('hi')\n");
            WebReplConnection.Wire wire = new WebReplConnection.Wire() {
                @Override
                public void text(byte[] payload) {
                    others.add("text:" + new String(payload, StandardCharsets.ISO_8859_1));
                }

                @Override
                public void binary(byte[] payload) {
                    binaries.add(payload);
                }

                @Override
                public void closeWithoutFrame() {
                    others.add("close");
                }

                @Override
                public void close(int code, String reason) {
                    others.add("close:" + code);
                }
            };
            connection = new WebReplConnection(PasswordCheck.plain(PASSWORD), () -> new WebReplConnection.Terminal() {
                @Override
                public Mono<Void> input(long seq, byte[] bytes) {
                    terminalInput.writeBytes(bytes);
                    return Mono.empty();
                }

                @Override
                public void close() {
                }
            }, replies -> new FileTransferChannel(store, CHUNK, VERSION, replies, TransferListener.NONE, true,
                    (columns, rows) -> { }, new FileTransferChannel.FlowListener() {
                        @Override
                        public void flow(int window, byte[] okReply) {
                            replies.accept(okReply);
                        }

                        @Override
                        public void ack(long bytes) {
                        }
                    }), wire);
        }

        Harness loggedIn() {
            connection.start();
            frame(new Frame(Opcode.TEXT, (PASSWORD + "\r").getBytes(StandardCharsets.US_ASCII)));
            assertTrue(connection.loggedIn());
            others.clear();
            return this;
        }

        /** One frame; its result must complete at once (every terminal here admits at once). */
        void frame(Frame f) {
            connection.onFrame(f.opcode(), f.payload()).block(Duration.ofSeconds(5));
        }

        @Override
        public void close() throws IOException {
            connection.close();
            try (Stream<Path> all = Files.walk(root)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    // --- any bytes, any frames ------------------------------------------------------------------

    /**
     * Any stream of garbage and (well- or ill-formed) requests, cut into TEXT, BINARY and CONTINUATION
     * frames anywhere, after login: nothing throws, every frame is taken at once, the text bytes reach
     * the terminal exactly, and every binary reply has one of the shapes of spec §4.2 and PROTOCOL.md.
     */
    @Test
    void anyFramesAfterLoginNeverThrowAndGiveWellFormedReplies() {
        RandomTries.check("anyFramesAfterLogin", 300, random -> {
            byte[] stream = fileStream(random);
            List<Frame> frames = split(stream, cuts(random), opcodes(random));
            assertTimeoutPreemptively(TRY_LIMIT, () -> {
                try (Harness h = new Harness().loggedIn()) {
                    ByteArrayOutputStream text = new ByteArrayOutputStream();
                    // The password came in a text frame: a continuation right after it is text (spec §1.3).
                    Opcode last = Opcode.TEXT;
                    for (Frame f : frames) {
                        Opcode type = f.opcode() == Opcode.CONTINUATION ? last : f.opcode();
                        last = type;
                        if (type == Opcode.TEXT) {
                            text.writeBytes(f.payload());
                        }
                        h.frame(f);
                    }
                    assertEquals(List.of(), h.others, "nothing but binary replies after login");
                    assertArrayEquals(text.toByteArray(), h.terminalInput.toByteArray(), "terminal input");
                    for (byte[] reply : h.binaries) {
                        assertTrue(wellFormed(reply), "malformed binary reply " + HEX.formatHex(reply));
                    }
                }
            }, () -> "frames " + frames);
        });
    }

    /**
     * Any frames from the very start: nothing throws, at most one login answer is sent, and after
     * {@code Access denied} nothing follows but the TCP close (spec §2).
     */
    @Test
    void anyFramesBeforeLoginNeverThrowAndAnswerAtMostOnce() {
        RandomTries.check("anyFramesBeforeLogin", 200, random -> {
            byte[] stream = concat(bytes(random, 40), PASSWORD_GUESSES.get(random.nextInt(PASSWORD_GUESSES.size()))
                    .getBytes(StandardCharsets.US_ASCII), bytes(random, 200));
            List<Frame> frames = split(stream, cuts(random), opcodes(random));
            assertTimeoutPreemptively(TRY_LIMIT, () -> {
                try (Harness h = new Harness()) {
                    h.connection.start();
                    assertEquals(List.of("text:Password: "), h.others);
                    h.others.clear();
                    for (Frame f : frames) {
                        h.frame(f);
                    }
                    List<String> sent = h.others;
                    if (sent.isEmpty()) {
                        return;
                    }
                    if (sent.get(0).equals("text:\r\nAccess denied\r\n")) {
                        assertEquals(List.of("text:\r\nAccess denied\r\n", "close"), sent);
                        assertEquals(List.of(), h.binaries);
                    } else {
                        assertEquals(List.of("text:\r\nWebREPL connected\r\n>>> "), sent);
                    }
                }
            }, () -> "frames " + frames);
        });
    }

    // --- well-formed requests inside garbage ------------------------------------------------------

    /**
     * N GET_VER requests with garbage runs (no {@code W} in them) between them, the whole cut into
     * binary and continuation frames with text frames in between: each request is answered exactly
     * once, and each garbage run gets exactly one 22 (FileTransferChannel skips to the next {@code WA}).
     */
    @Test
    void everyGetVerInsideGarbageIsAnsweredExactlyOnce() {
        byte[] getVer = FileRequest.of(FileRequest.GET_VER, 0, "").encode();
        RandomTries.check("everyGetVerAnsweredOnce", 300, random -> {
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            List<String> expected = new ArrayList<>();
            int requests = random.nextInt(8);
            for (int i = 0; i <= requests; i++) {
                if (i > 0) {
                    stream.writeBytes(getVer);
                    expected.add(HEX.formatHex(VERSION));
                }
                byte[] garbage = bytes(random, 60);
                for (int k = 0; k < garbage.length; k++) {
                    while (garbage[k] == 'W') {
                        garbage[k] = (byte) random.nextInt(256);
                    }
                }
                if (garbage.length > 0) {
                    stream.writeBytes(garbage);
                    expected.add(HEX.formatHex(WB_INVALID));
                }
            }
            List<Opcode> opcodes = opcodes(random);
            List<Frame> frames = withTextBetween(split(stream.toByteArray(), cuts(random), binaryOnly(opcodes)), opcodes);
            assertTimeoutPreemptively(TRY_LIMIT, () -> {
                try (Harness h = new Harness().loggedIn()) {
                    for (Frame f : frames) {
                        h.frame(f);
                    }
                    assertEquals(expected, h.binaries.stream().map(HEX::formatHex).toList());
                }
            }, () -> "frames " + frames);
        });
    }

    // --- PUT under any split ------------------------------------------------------------------------

    /**
     * Any valid PUT (a name of at most 63 safe bytes, 0 to 64 KiB of content), header and data cut
     * into binary frames anywhere (one frame for all of it, one byte per frame, text frames between):
     * the file on disk is byte-exact and exactly two {@code WB 00 00} are sent (spec §4.3).
     */
    @Test
    void anyValidPutReassemblesByteExactUnderAnySplit() {
        RandomTries.check("anyValidPut", 200, random -> {
            String name = safeName(random);
            while (name.equals("d")) {
                name = safeName(random); // the harness's directory: a PUT there is 21, rightly
            }
            String target = name;
            int size = random.nextInt(8) == 0 ? random.nextInt(3) : random.nextInt(65537);
            byte[] content = new byte[size];
            random.nextBytes(content);
            byte[] header = FileRequest.of(FileRequest.PUT_FILE, size, name).encode();
            byte[] stream = Arrays.copyOf(header, header.length + size);
            System.arraycopy(content, 0, stream, header.length, size);
            // Sometimes the header (and a little data) one byte per frame, sometimes all of it in one frame.
            int ones = random.nextInt(4) == 0 ? Math.min(random.nextInt(120), stream.length) : 0;
            List<Frame> frames = new ArrayList<>();
            for (int i = 0; i < ones; i++) {
                frames.add(new Frame(i == 0 ? Opcode.BINARY : Opcode.CONTINUATION, new byte[] {stream[i]}));
            }
            List<Opcode> opcodes = opcodes(random);
            List<Integer> cuts = random.nextInt(6) == 0 ? List.of() : cuts(random);
            frames.addAll(split(Arrays.copyOfRange(stream, ones, stream.length), cuts, binaryOnly(opcodes)));
            List<Frame> sent = withTextBetween(frames, opcodes);
            assertTimeoutPreemptively(TRY_LIMIT, () -> {
                try (Harness h = new Harness().loggedIn()) {
                    for (Frame f : sent) {
                        h.frame(f);
                    }
                    assertEquals(List.of(HEX.formatHex(WB_OK), HEX.formatHex(WB_OK)),
                            h.binaries.stream().map(HEX::formatHex).toList());
                    assertArrayEquals(content, Files.readAllBytes(h.root.resolve(target)), "the file on disk");
                    try (Stream<Path> files = Files.list(h.root)) {
                        assertEquals(List.of(), files.filter(p -> p.toString().endsWith(".part")).toList(),
                                "no temporary file left");
                    }
                }
            }, () -> "PUT of " + size + " bytes as " + target + " in " + sent.size() + " frames");
        });
    }

    // --- generators -------------------------------------------------------------------------------

    private static final List<String> PASSWORD_GUESSES = List.of("secret\r", "secret\n", "secret\r\n1+1\r", "wrong\r",
            "\r", "sec", "secretsecret\n");
    private static final List<String> NAMES = List.of("a", "d", "d/b", "new", "d/new", "", "../x", "/", ".",
            ".webrepl/x", "caf\u00e9");
    private static final String SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

    /** Up to {@code max} random bytes, often none. */
    private static byte[] bytes(Random random, int max) {
        byte[] b = new byte[random.nextInt(4) == 0 ? 0 : random.nextInt(max + 1)];
        random.nextBytes(b);
        return b;
    }

    /** Frame lengths: mostly small (empty and 1-byte frames included), some large; the rest of the stream is one last frame. */
    private static List<Integer> cuts(Random random) {
        List<Integer> cuts = new ArrayList<>();
        int n = random.nextInt(61);
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(9);
            cuts.add(kind < 4 ? random.nextInt(4) : kind < 7 ? 4 + random.nextInt(97) : 101 + random.nextInt(8900));
        }
        return cuts;
    }

    private static List<Opcode> opcodes(Random random) {
        List<Opcode> opcodes = new ArrayList<>();
        int n = 1 + random.nextInt(20);
        for (int i = 0; i < n; i++) {
            opcodes.add(Opcode.values()[random.nextInt(Opcode.values().length)]);
        }
        return opcodes;
    }

    /**
     * A file-channel stream: pieces of random bytes, request records of every known type and some
     * unknown ones (random flags, small sizes, names that exist, don't, escape the root, are not
     * UTF-8 or fill the field), long-name and RENAME trailers, acks.
     */
    private static byte[] fileStream(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pieces = random.nextInt(26);
        for (int i = 0; i < pieces; i++) {
            int kind = random.nextInt(13);
            if (kind < 3) {
                out.writeBytes(bytes(random, 120));
            } else if (kind < 9) {
                out.writeBytes(record(random));
            } else if (kind < 11) {
                out.writeBytes(NAMES.get(random.nextInt(NAMES.size())).getBytes(StandardCharsets.UTF_8));
            } else {
                out.write(0);
            }
        }
        return out.toByteArray();
    }

    private static byte[] record(Random random) {
        int pick = random.nextInt(17);
        int type = pick < 8 ? 1 + random.nextInt(3) : pick < 16 ? 0x40 + random.nextInt(9) : random.nextInt(256);
        byte[] name = switch (random.nextInt(6)) {
            case 0 -> new byte[] {'c', (byte) 0xE9};
            case 1 -> filled(new byte[64], (byte) 'x');
            default -> NAMES.get(random.nextInt(NAMES.size())).getBytes(StandardCharsets.UTF_8);
        };
        return new FileRequest(type, random.nextInt(4), random.nextInt(701), random.nextInt(701), random.nextInt(6001),
                Arrays.copyOf(name, 64)).encode();
    }

    /** A name of 1..63 safe ASCII bytes that starts with a letter (no dot names, nothing reserved). */
    private static String safeName(Random random) {
        StringBuilder s = new StringBuilder().append(SAFE.charAt(random.nextInt(52)));
        int more = random.nextInt(4) == 0 ? FileRequest.MAX_NAME_BYTES - 1 : random.nextInt(FileRequest.MAX_NAME_BYTES);
        for (int i = 0; i < more; i++) {
            s.append(SAFE.charAt(random.nextInt(SAFE.length())));
        }
        return s.toString();
    }

    // --- helpers ----------------------------------------------------------------------------------

    /**
     * Cuts {@code stream} into frames of the lengths in {@code cuts} (the rest in one last frame),
     * their opcodes taken in turn from {@code opcodes}. Zero-length frames are kept: they are legal.
     */
    static List<Frame> split(byte[] stream, List<Integer> cuts, List<Opcode> opcodes) {
        List<Frame> frames = new ArrayList<>();
        int at = 0;
        int i = 0;
        for (int cut : cuts) {
            if (at >= stream.length) {
                break;
            }
            int n = Math.min(cut, stream.length - at);
            frames.add(new Frame(opcodes.get(i++ % opcodes.size()), Arrays.copyOfRange(stream, at, at + n)));
            at += n;
        }
        if (at < stream.length || frames.isEmpty()) {
            frames.add(new Frame(opcodes.get(i % opcodes.size()), Arrays.copyOfRange(stream, at, stream.length)));
        }
        return frames;
    }

    /** The opcodes with TEXT made BINARY: for streams that must stay on the file channel. */
    private static List<Opcode> binaryOnly(List<Opcode> opcodes) {
        return opcodes.stream().map(o -> o == Opcode.TEXT ? Opcode.BINARY : o).toList();
    }

    /**
     * Puts a text frame between file frames wherever {@code opcodes} says TEXT (in turn), and makes
     * the file frame after it BINARY so it does not continue the text message.
     */
    private static List<Frame> withTextBetween(List<Frame> frames, List<Opcode> opcodes) {
        List<Frame> out = new ArrayList<>();
        boolean afterText = false;
        for (int i = 0; i < frames.size(); i++) {
            Frame f = frames.get(i);
            out.add(afterText || i == 0 ? new Frame(Opcode.BINARY, f.payload()) : f);
            afterText = opcodes.get(i % opcodes.size()) == Opcode.TEXT;
            if (afterText) {
                out.add(new Frame(Opcode.TEXT, "7*6\r".getBytes(StandardCharsets.US_ASCII)));
            }
        }
        return out;
    }

    /**
     * Whether a binary reply has a shape a client can expect: {@code WB} + a known status, the three
     * version bytes, the feature list, a resumable PUT's 8-byte offset, a GET/LIST chunk
     * {@code <u16 n><n bytes>} with n at most the chunk size, or one STAT entry.
     */
    private static boolean wellFormed(byte[] reply) {
        if (reply.length == 4 && reply[0] == 'W' && reply[1] == 'B') {
            int code = (reply[2] & 0xFF) | (reply[3] & 0xFF) << 8;
            return Arrays.stream(FileStatus.values()).anyMatch(s -> s.code() == code);
        }
        if (Arrays.equals(reply, VERSION) || Arrays.equals(reply, FileOperations.FEATURES) || reply.length == 8) {
            return true;
        }
        if (reply.length >= 2 && ((reply[0] & 0xFF) | (reply[1] & 0xFF) << 8) == reply.length - 2
                && reply.length - 2 <= CHUNK) {
            return true;
        }
        try {
            return EntryCodec.decodeAll(reply).size() == 1;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static byte[] filled(byte[] b, byte value) {
        byte[] copy = b.clone();
        Arrays.fill(copy, value);
        return copy;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
