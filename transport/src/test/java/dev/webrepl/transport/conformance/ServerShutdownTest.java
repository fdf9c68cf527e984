package dev.webrepl.transport.conformance;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.concat;
import static dev.webrepl.transport.conformance.RawWebSocket.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Closing the server closes its connections cleanly and leaves nothing behind. */
class ServerShutdownTest extends ServerTestBase {

    @Test
    void closingTheServerSendsCloseCode1001ToEveryConnection() throws Exception {
        RawWebSocket a = loggedIn();
        RawWebSocket b = loggedIn();

        server.close();

        for (RawWebSocket c : new RawWebSocket[] {a, b}) {
            // Each terminal's session ends with a last line (README "Sessions"), then the close frame.
            c.expectText("\r\nsession ended: server shutting down\r\n");
            RawWebSocket.Frame f = c.readFrame();
            assertEquals(0x88, f.first());
            assertEquals(RawWebSocket.show(concat(hex("03 e9"), ascii("server shutting down"))),
                    RawWebSocket.show(f.payload()));
        }
        assertEquals(0, server.sessions().size(), "every session ended");
        a.expectEof();
        b.expectEof();
    }

    @Test
    void closingTheServerMidPutLeavesNoPartialFile() throws Exception {
        Files.writeString(root.resolve("keep.txt"), "old content");
        RawWebSocket c = loggedIn();
        c.send(FileProtocol.putFrame("keep.txt", 1000));
        c.expectBinary(FileProtocol.status(0));
        c.send(RawWebSocket.frame(0x82, new byte[400]));
        await("the server has the first 400 bytes", () -> tempFileSize() == 400);

        server.close();

        assertEquals("old content", Files.readString(root.resolve("keep.txt")));
        assertEquals(-1, tempFileSize(), "the temporary upload file is gone");
    }

    private long tempFileSize() {
        try (Stream<java.nio.file.Path> s = Files.list(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".webrepl-upload-"))
                    .mapToLong(p -> p.toFile().length()).findFirst().orElse(-1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
