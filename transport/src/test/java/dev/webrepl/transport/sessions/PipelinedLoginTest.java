package dev.webrepl.transport.sessions;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.concat;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static dev.webrepl.transport.conformance.RawWebSocket.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.transport.conformance.RawWebSocket;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Login, a GET_VER and terminal input in one TCP write (spec §9 T7, README "Compatibility notes":
 * frames in the upgrade's write are kept): everything is answered, the session line included.
 */
class PipelinedLoginTest extends SessionsTestBase {
    private static final byte[] BURST = concat(frame(0x82, ascii("secret\r")),
            frame(0x82, concat(hex("57 41 03 00"), new byte[78])), frame(0x81, ascii("hi\r")));

    @RepeatedTest(10)
    @DisplayName("login + GET_VER + input in one write right after the 101")
    void burstAfterTheUpgrade() throws Exception {
        RawWebSocket c = connect().handshake();
        c.send(BURST);
        expectAnswers(c);
    }

    @RepeatedTest(10)
    @DisplayName("login + GET_VER + input in the same write as the upgrade request")
    void burstWithTheUpgrade() throws Exception {
        RawWebSocket c = connect();
        c.send(concat(RawWebSocket.CLI_REQUEST, BURST));
        c.expect(RawWebSocket.CLI_RESPONSE);
        c.expect(RawWebSocket.PROMPT_FRAME);
        expectAnswers(c);
    }

    private void expectAnswers(RawWebSocket c) throws Exception {
        c.expect(RawWebSocket.CONNECTED_FRAME);
        String id = c.expectSessionLine();
        List<byte[]> binaries = c.collect("hi\r\nhi\r\n>>> ", 1);
        assertArrayEquals(hex("00 01 00"), binaries.get(0));
        assertEquals(List.of(id), server.sessions().sessions().stream().map(s -> s.id()).toList());
    }
}
