package dev.webrepl.transport.conformance;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.concat;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static dev.webrepl.transport.conformance.RawWebSocket.hex;
import static dev.webrepl.transport.conformance.RawWebSocket.masked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Password stage, terminal channel and control frames (spec §2, §3, §1.3; §9 T4–T8, T15–T18), with
 * both an unmasked (webrepl_cli) and a masked (browser) client.
 *
 * <p>The session runs the echo engine: where the reference evaluates {@code 1+1} to {@code 2}, the
 * echo engine writes the line back; that engine-dependent output is the documented exception.
 */
class SessionConformanceTest extends ServerTestBase {

    @Test
    @DisplayName("T4: the CLI's unmasked binary password frame logs in")
    void unmaskedBinaryPasswordLogsIn() throws Exception {
        RawWebSocket c = connect().handshake();
        c.send(hex("82 07 73 65 63 72 65 74 0D"));
        c.expect(hex("81 19 0D 0A 57 65 62 52 45 50 4C 20 63 6F 6E 6E 65 63 74 65 64 0D 0A 3E 3E 3E 20"));
        // Then one text frame of 52 bytes that names the session on a line of its own (README "Sessions").
        c.expect(hex("81 34"));
        byte[] line = c.readExactly(52);
        assertEquals(true, RawWebSocket.SESSION_LINE.matcher(new String(line, StandardCharsets.ISO_8859_1)).matches(),
                RawWebSocket.show(line));
        assertEquals(1, server.sessions().size());
        String id = server.sessions().sessions().iterator().next().id();
        assertEquals("\r\nwebrepl: session /session/" + id + "\r\n", new String(line, StandardCharsets.ISO_8859_1));
    }

    @Test
    @DisplayName("T5: the browser's masked text password frame logs in")
    void maskedTextPasswordLogsIn() throws Exception {
        RawWebSocket c = connect().handshake();
        c.send(hex("81 87 01 02 03 04 72 67 60 76 64 76 0E"));
        c.expect(RawWebSocket.CONNECTED_FRAME);
        c.expectSessionLine();
    }

    @Test
    @DisplayName("T5: a password typed one masked keystroke per frame logs in (browser)")
    void passwordOneKeystrokePerFrameLogsIn() throws Exception {
        RawWebSocket c = connect().handshake();
        for (byte b : ascii("secret\r")) {
            c.send(masked(0x81, new byte[] {b}));
        }
        c.expect(RawWebSocket.CONNECTED_FRAME);
        c.expectSessionLine();
    }

    @Test
    @DisplayName("T6: a wrong password gets 'Access denied' and a TCP close with no close frame")
    void wrongPasswordIsDeniedAndClosedWithoutCloseFrame() throws Exception {
        RawWebSocket c = connect().handshake();
        c.send(hex("81 05 6E 6F 70 65 0D"));
        c.expect(hex("81 11 0D 0A 41 63 63 65 73 73 20 64 65 6E 69 65 64 0D 0A"));
        c.expectEof();
    }

    @Test
    @DisplayName("T6: an entry longer than 9 characters that starts with the password is denied")
    void overlongEntryIsDenied() throws Exception {
        RawWebSocket c = connect().handshake();
        c.send(frame(0x81, ascii("secretXXXXXXXX\n")));
        c.expect(RawWebSocket.DENIED_FRAME);
        c.expectEof();
    }

    @Test
    @DisplayName("T6: a masked wrong password is denied the same way")
    void maskedWrongPasswordIsDenied() throws Exception {
        RawWebSocket c = connect().handshake();
        c.send(masked(0x81, ascii("nope\r")));
        c.expect(RawWebSocket.DENIED_FRAME);
        c.expectEof();
    }

    @Test
    @DisplayName("T7: login and GET_VER pipelined in one TCP write are both answered, in order")
    void pipelinedLoginAndGetVerInOneWrite() throws Exception {
        RawWebSocket c = connect().handshake();
        c.sendTogether(hex("82 07 73 65 63 72 65 74 0D"), hex("82 52 57 41 03 00"), new byte[78]);
        c.expect(RawWebSocket.CONNECTED_FRAME);
        c.expectSessionLine();
        c.expect(hex("82 03 00 01 00"));
    }

    @Test
    @DisplayName("T4/§2: bytes after the password terminator go to the REPL ('secret\\r\\n' is an Enter)")
    void bytesAfterPasswordGoToTheRepl() throws Exception {
        RawWebSocket c = connect().handshake();
        c.send(frame(0x81, ascii("secret\r\n6*7\r")));
        c.expect(RawWebSocket.CONNECTED_FRAME);
        c.expectSessionLine();
        // The "\r" ended the password, so the "\n" is an Enter at the REPL: "\r\n>>> " (spec §2).
        c.expectText("\r\n>>> 6*7\r\n6*7\r\n>>> ");
    }

    @Test
    @DisplayName("T8: '1+1\\r' is echoed and evaluated in text frames only (echo engine output)")
    void terminalRoundTrip() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(hex("81 04 31 2B 31 0D"));
        c.expectText("1+1\r\n1+1\r\n>>> ");
    }

    @Test
    @DisplayName("T8: Ctrl-C cancels the line with '\\r\\n>>> '")
    void ctrlCCancelsTheLine() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(frame(0x81, ascii("abc")));
        // Ctrl-C is out of band (DESIGN "Sessions and terminals"): sent at once, it may overtake and
        // discard "abc", so it is sent once "abc" has reached the line.
        c.expectText("abc");
        c.send(frame(0x81, new byte[] {3}));
        c.expectText("\r\n>>> ");
    }

    @Test
    @DisplayName("T15: a text message fragmented into text + continuation frames reaches the REPL whole")
    void fragmentedTextIsReassembled() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(concat(hex("01 03"), ascii("pri")), concat(hex("80 06"), ascii("nt(5)\r")));
        c.expectText("print(5)\r\nprint(5)\r\n>>> ");
    }

    @Test
    @DisplayName("T16: a masked empty close frame gets '88 00', then TCP close")
    void emptyCloseIsAnsweredWithEmptyClose() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(hex("88 80 01 02 03 04"));
        c.expect(hex("88 00"));
        c.expectEof();
    }

    @Test
    @DisplayName("T16: a close frame with status 1000 is answered with a close frame, then TCP close")
    void closeWithStatusIsAnsweredAndClosed() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(masked(0x88, hex("03 E8")));
        // The spec allows echoing the code (T16 "It MAY echo the code"); Reactor Netty echoes it.
        c.expect(hex("88 02 03 E8"));
        c.expectEof();
    }

    @Test
    @DisplayName("T16: an unmasked close frame (CLI style) is answered too")
    void unmaskedCloseIsAnswered() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(hex("88 00"));
        c.expect(hex("88 00"));
        c.expectEof();
    }

    @Test
    @DisplayName("T17 (by design): a second connection gets its own prompt and session; the first keeps working")
    void secondConnectionGetsItsOwnSession() throws Exception {
        RawWebSocket first = loggedIn();
        RawWebSocket second = connect().handshake();
        second.send(frame(0x82, ascii("secret\r")));
        second.expect(RawWebSocket.CONNECTED_FRAME);
        assertNotEquals(first.sessionId(), second.expectSessionLine(), "each connection to / is its own session");

        second.send(frame(0x81, ascii("two\r")));
        second.expectText("two\r\ntwo\r\n>>> ");
        // Had "two" been echoed to the first terminal too, this would read it and fail.
        first.send(frame(0x81, ascii("one\r")));
        first.expectText("one\r\none\r\n>>> ");
        second.send(frame(0x81, ascii("2\r")));
        second.expectText("2\r\n2\r\n>>> ");
        assertEquals(2, server.sessions().size());
    }

    @Test
    @DisplayName("T18: an empty masked ping gets '8A 00' and the following '8\\r' is evaluated")
    void emptyPingGetsEmptyPong() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(hex("89 80 01 02 03 04"), hex("81 02 38 0D"));
        c.expect(hex("8A 00"));
        c.expectText("8\r\n8\r\n>>> ");
    }

    @Test
    @DisplayName("T18: a 4-byte ping gets '8A 04 <payload>' and does not corrupt the next text (REF bug)")
    void pingPayloadIsEchoedAndNotFedToTheStream() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(masked(0x89, hex("DE AD BE EF"), new byte[] {9, 8, 7, 6}), hex("81 02 38 0D"));
        c.expect(hex("8A 04 DE AD BE EF"));
        c.expectText("8\r\n8\r\n>>> ");
    }

    @Test
    @DisplayName("T18: a 4-byte ping in the middle of a PUT does not leak into the file data (REF bug)")
    void pingDuringPutDoesNotLeakIntoFile() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(FileProtocol.putFrame("p.bin", 6));
        c.expectBinary(FileProtocol.OK);
        c.send(frame(0x82, ascii("abc")), frame(0x89, ascii("PING")), frame(0x82, ascii("def")));
        c.expect(hex("8A 04 50 49 4E 47"));
        c.expectBinary(FileProtocol.OK);
        assertEquals("abcdef", java.nio.file.Files.readString(root.resolve("p.bin")));
    }

    @Test
    @DisplayName("§1.4.7: a frame whose header and payload arrive in separate TCP writes is read whole")
    void frameHeaderAndPayloadInSeparateWrites() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(hex("81 04"), ascii("1+1\r"));
        c.expectText("1+1\r\n1+1\r\n>>> ");
    }

    @Test
    @DisplayName("§1.4.7: a masked frame written one byte per TCP write is read whole")
    void maskedFrameOneBytePerWrite() throws Exception {
        RawWebSocket c = connect().handshake();
        for (byte b : masked(0x81, ascii("secret\r"), new byte[] {(byte) 0xA1, 0x22, 0x03, (byte) 0xF4})) {
            c.send(new byte[] {b});
        }
        c.expect(RawWebSocket.CONNECTED_FRAME);
        c.expectSessionLine();
    }

    @Test
    @DisplayName("§1.4.7: several text frames in one TCP write are all processed in order")
    void severalFramesInOneWrite() throws Exception {
        RawWebSocket c = loggedIn();
        c.sendTogether(frame(0x81, ascii("a")), masked(0x81, ascii("b")), frame(0x81, ascii("c\r")));
        c.expectText("abc\r\nabc\r\n>>> ");
    }

    @Test
    @DisplayName("§1.4.4: invalid UTF-8 in an incoming text frame is accepted (no close) and output stays valid")
    void invalidUtf8InputIsAccepted() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(frame(0x81, hex("FF 0D")));
        // The lone 0xFF cannot be sent as valid text, so it is shown as U+FFFD (Utf8TextFramer).
        c.expectText("\uFFFD\r\n\uFFFD\r\n>>> ");
        c.send(frame(0x81, ascii("ok\r")));
        c.expectText("ok\r\nok\r\n>>> ");
    }

    @Test
    @DisplayName("§1.4.4: a UTF-8 character split over two text frames is echoed as valid UTF-8 text frames")
    void characterSplitAcrossInputFramesIsEchoedValid() throws Exception {
        RawWebSocket c = loggedIn();
        // webrepl_cli sends each stdin byte as its own text frame (spec §1.4 point 4).
        c.send(frame(0x81, hex("C3")), frame(0x81, hex("A9")), frame(0x81, ascii("\r")));
        // readFrame() asserts each text payload is valid UTF-8, so an echo of the lone C3 would fail.
        c.expectText("\u00e9\r\n\u00e9\r\n>>> ");
    }
}
