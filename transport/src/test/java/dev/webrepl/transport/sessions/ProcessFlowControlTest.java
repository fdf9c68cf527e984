package dev.webrepl.transport.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.Session;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.dupterm.Slot;
import dev.webrepl.transport.conformance.RawWebSocket;
import dev.webrepl.transport.conformance.ServerTestBase;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A program in a pty writing far more than a client reads: the server stops reading the pty (the
 * child blocks as on a real terminal), memory stays bounded, and when the client reads again every
 * line arrives in order (DESIGN "Output, buffering and the POSIX send() rule").
 */
class ProcessFlowControlTest extends ServerTestBase {
    private static final int LINES = 1_000_000;
    private final List<Slot> slots = new CopyOnWriteArrayList<>();

    @Override
    protected SessionRegistry newRegistry() {
        return SeqInPty.registry(root, LINES, slots);
    }

    @Test
    void aClientThatStopsReadingPausesTheProgramAndEveryLineArrivesInOrderAfterwards() throws Exception {
        try (RawWebSocket c = RawWebSocket.connect(server.port(), 4096)) {
            readsEveryLineAfterAPause(c.login(PASSWORD));
        }
    }

    private void readsEveryLineAfterAPause(RawWebSocket c) throws Exception {
        Session session = server.sessions().sessions().iterator().next();
        await("the terminal is registered", () -> slots.size() == 1);

        await("the program is paused because the client does not read", session::producerPaused);
        long high = SessionConfig.DEFAULTS.outputHighWater();
        long low = SessionConfig.DEFAULTS.outputLowWater();
        long backlog = slots.get(0).backlog();
        // Bounded: the high-water mark plus what the reader had in hand (one 8 KiB pty chunk, framed).
        // It paused above the high-water mark; the socket may have taken some since, but the program
        // stays paused until the backlog falls below the low-water mark.
        assertTrue(backlog >= low && backlog <= high + 64 * 1024, "backlog " + backlog);

        StringBuilder text = new StringBuilder();
        String last = LINES + "\r\n";
        while (text.length() < last.length() || !text.substring(text.length() - last.length()).equals(last)) {
            RawWebSocket.Frame f = c.readFrame();
            assertEquals(1, f.opcode(), "terminal output only");
            text.append(new String(f.payload(), StandardCharsets.US_ASCII));
        }
        SeqInPty.assertEveryLineInOrder(text.toString(), LINES);
        assertEquals(false, session.producerPaused(), "resumed once the client read again");
    }
}
