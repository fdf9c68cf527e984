package dev.webrepl.transport.conformance;

import static dev.webrepl.transport.conformance.FileProtocol.ACK;
import static dev.webrepl.transport.conformance.FileProtocol.OK;
import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.concat;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static dev.webrepl.transport.conformance.RawWebSocket.hex;
import static dev.webrepl.transport.conformance.RawWebSocket.masked;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The file channel (spec §4; §9 T9–T14, T19): exact reply bytes and exact files on disk. */
class FileChannelConformanceTest extends ServerTestBase {
    private static final byte[] PRINT_HI = ascii("print('hi')\n");

    @Test
    @DisplayName("T9: a PUT with the CLI's 10+72 split header and 12 data bytes stores exactly those bytes")
    void putWithSplitHeader() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(hex("82 0A 57 41 01 00 00 00 00 00 00 00"),
                concat(hex("82 48 00 00 0C 00 00 00 09 00"), ascii("small.txt"), new byte[55]));
        c.expect(hex("82 04 57 42 00 00"));
        c.send(concat(hex("82 0C"), PRINT_HI));
        c.expect(hex("82 04 57 42 00 00"));
        assertArrayEquals(PRINT_HI, Files.readAllBytes(root.resolve("small.txt")));
    }

    @Test
    @DisplayName("T10: a PUT of size 0 gets both WB frames at once and creates an empty file")
    void putOfSizeZero() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(FileProtocol.putFrame("empty.bin", 0));
        c.expect(hex("82 04 57 42 00 00 82 04 57 42 00 00"));
        assertEquals(0, Files.size(root.resolve("empty.bin")));
    }

    @Test
    @DisplayName("T11: a PUT header and its data in one frame get two WB frames and store the data")
    void putHeaderAndDataInOneFrame() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(frame(0x82, concat(FileProtocol.header(FileProtocol.PUT, 11, "hw.txt"), ascii("hello world"))));
        c.expect(hex("82 04 57 42 00 00 82 04 57 42 00 00"));
        assertEquals("hello world", Files.readString(root.resolve("hw.txt")));
    }

    @Test
    @DisplayName("T12: a GET of a 12-byte file: WB, one chunk per ack, then the empty chunk and WB unasked")
    void getOfTwelveByteFile() throws Exception {
        Files.write(root.resolve("small.txt"), PRINT_HI);
        RawWebSocket c = loggedIn();
        c.send(FileProtocol.getFrame("small.txt"));
        c.expect(hex("82 04 57 42 00 00"));
        c.send(hex("82 01 00"));
        c.expect(concat(hex("82 0E 0C 00"), PRINT_HI));
        c.send(hex("82 01 00"));
        c.expect(hex("82 02 00 00 82 04 57 42 00 00"));
        // No further ack is needed: the channel is ready for the next request at once.
        c.send(FileProtocol.getVerFrame());
        c.expect(hex("82 03 00 01 00"));
    }

    @Test
    @DisplayName("T13: with 256-byte chunks a 1284-byte file comes as 5 x (82 7E 01 02 00 01 + 256), then 4 bytes")
    void getChunksOf256() throws Exception {
        restartWith(o -> o.withGetChunkSize(256));
        byte[] data = FileProtocol.pattern(1284);
        Files.write(root.resolve("big.bin"), data);
        RawWebSocket c = loggedIn();
        c.send(FileProtocol.getFrame("big.bin"));
        c.expect(hex("82 04 57 42 00 00"));
        for (int i = 0; i < 5; i++) {
            c.send(ACK);
            c.expect(concat(hex("82 7E 01 02 00 01"), Arrays.copyOfRange(data, 256 * i, 256 * (i + 1))));
        }
        c.send(ACK);
        c.expect(concat(hex("82 06 04 00"), Arrays.copyOfRange(data, 1280, 1284)));
        c.send(ACK);
        c.expect(hex("82 02 00 00 82 04 57 42 00 00"));
    }

    @Test
    @DisplayName("T13: the default chunk size sends <u16 n><n bytes>, exactly one chunk per frame and per ack")
    void getChunksWithDefaultSize() throws Exception {
        // 70000 bytes: one full 65533-byte chunk in a 65535-byte frame (the largest 16-bit length,
        // the most webrepl_cli can parse) and a 4467-byte rest.
        byte[] data = FileProtocol.pattern(70000);
        Files.write(root.resolve("large.bin"), data);
        RawWebSocket c = loggedIn();
        c.send(FileProtocol.getFrame("large.bin"));
        c.expectBinary(OK);
        c.send(ACK);
        c.expect(concat(hex("82 7E FF FF FD FF"), Arrays.copyOfRange(data, 0, 65533)));
        c.send(ACK);
        c.expect(concat(hex("82 7E 11 75 73 11"), Arrays.copyOfRange(data, 65533, 70000)));
        c.send(ACK);
        c.expect(hex("82 02 00 00 82 04 57 42 00 00"));
    }

    @Test
    @DisplayName("T14: a text frame between PUT data frames is evaluated and the file is byte-exact")
    void textInterleavedWithPutData() throws Exception {
        byte[] data = FileProtocol.pattern(1284);
        RawWebSocket c = loggedIn();
        c.send(FileProtocol.putFrame("inter.bin", data.length));
        c.expectBinary(OK);
        c.send(frame(0x82, Arrays.copyOfRange(data, 0, 700)), hex("81 04 37 2A 36 0D"),
                frame(0x82, Arrays.copyOfRange(data, 700, 1284)));
        List<byte[]> binaries = c.collect("7*6\r\n7*6\r\n>>> ", 1);
        assertArrayEquals(OK, binaries.get(0));
        assertArrayEquals(data, Files.readAllBytes(root.resolve("inter.bin")));
    }

    @Test
    @DisplayName("T14: 513+513-byte PUT frames with the server idle in between store all 1026 bytes (REF loses one)")
    void putFramesOf513WithPauseLoseNothing() throws Exception {
        byte[] data = FileProtocol.pattern(1026);
        RawWebSocket c = loggedIn();
        c.send(FileProtocol.putFrame("gap.bin", data.length));
        c.expectBinary(OK);
        c.send(frame(0x82, Arrays.copyOfRange(data, 0, 513)));
        // The reference bug needs the first frame fully consumed before the second arrives (§4.6).
        // Instead of a sleep, wait until the server has written all 513 bytes to its upload file.
        await("the server has stored the first 513 bytes", () -> uploadSizes().contains(513L));
        c.send(frame(0x82, Arrays.copyOfRange(data, 513, 1026)));
        c.expectBinary(OK);
        assertArrayEquals(data, Files.readAllBytes(root.resolve("gap.bin")));
    }

    @Test
    @DisplayName("T19: a GET of a missing file gets WB 02 00 and the next GET_VER is answered")
    void getOfMissingFileReportsNotFoundAndContinues() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(FileProtocol.getFrame("missing.txt"));
        c.expect(hex("82 04 57 42 02 00"));
        c.send(FileProtocol.getVerFrame());
        c.expect(hex("82 03 00 01 00"));
    }

    @Test
    @DisplayName("T19: an unknown request type 7 gets WB 16 00 (22) and the next GET_VER is answered")
    void unknownTypeIsRejectedAndContinues() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(frame(0x82, FileProtocol.header(7, 0, "x")));
        c.expect(hex("82 04 57 42 16 00"));
        c.send(FileProtocol.getVerFrame());
        c.expect(hex("82 03 00 01 00"));
    }

    @Test
    @DisplayName("T19: after a failed GET the terminal still works")
    void terminalWorksAfterFailedGet() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(FileProtocol.getFrame("missing.txt"));
        c.expectBinary(FileProtocol.status(2));
        c.send(frame(0x81, ascii("1+1\r")));
        c.expectText("1+1\r\n1+1\r\n>>> ");
    }

    @Test
    @DisplayName("T7/§4.5: GET_VER answers the configured version, e.g. 82 03 01 1D 00 for MicroPython 1.29.0")
    void getVerAnswersConfiguredVersion() throws Exception {
        restartWith(o -> o.withVersion(new byte[] {1, 0x1d, 0}));
        RawWebSocket c = loggedIn();
        c.send(hex("82 52 57 41 03 00"), new byte[78]);
        c.expect(hex("82 03 01 1D 00"));
    }

    @Test
    @DisplayName("§4.8: a masked browser-style PUT and GET round-trip the file (masked ack 82 81 m (00^m0))")
    void maskedBrowserPutAndGet() throws Exception {
        byte[] data = FileProtocol.pattern(3000);
        RawWebSocket c = connect().handshake();
        c.send(masked(0x81, ascii("secret\r")));
        c.expect(RawWebSocket.CONNECTED_FRAME);
        c.expectSessionLine();
        c.send(masked(0x82, FileProtocol.header(FileProtocol.PUT, data.length, "browser.bin")));
        c.expectBinary(OK);
        // webrepl.js sends all 1024-byte chunks at once after the first WB (§4.8).
        c.sendTogether(masked(0x82, Arrays.copyOfRange(data, 0, 1024)),
                masked(0x82, Arrays.copyOfRange(data, 1024, 2048)),
                masked(0x82, Arrays.copyOfRange(data, 2048, 3000)));
        c.expectBinary(OK);
        assertArrayEquals(data, Files.readAllBytes(root.resolve("browser.bin")));

        c.send(masked(0x82, FileProtocol.header(FileProtocol.GET, 0, "browser.bin")));
        c.expectBinary(OK);
        c.send(hex("82 81 5A 5B 5C 5D 5A"));
        c.expectBinary(FileProtocol.chunk(data, 0, data.length));
        c.send(hex("82 81 5A 5B 5C 5D 5A"));
        c.expectBinary(hex("00 00"));
        c.expectBinary(OK);
    }

    /** Sizes of the server's temporary upload files in the root. */
    List<Long> uploadSizes() {
        try (Stream<Path> files = Files.list(root)) {
            return files.filter(p -> p.getFileName().toString().startsWith(".webrepl-upload-"))
                    .map(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            return -1L; // renamed or deleted between list and size
                        }
                    })
                    .toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
