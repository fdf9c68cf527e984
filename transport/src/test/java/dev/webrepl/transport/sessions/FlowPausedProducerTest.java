package dev.webrepl.transport.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.Session;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.dupterm.Slot;
import dev.webrepl.transport.conformance.RawWebSocket;
import dev.webrepl.transport.conformance.ServerTestBase;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that reads everything at once but acknowledges nothing (PROTOCOL.md §9): the window holds
 * the program's output in the terminal's backlog, so the program in the pty is paused as for a
 * client that stops reading; the client got exactly the frames up to the first crossing of the
 * window; once it acknowledges, every line arrives in order and the program is resumed.
 */
@Timeout(120)
class FlowPausedProducerTest extends ServerTestBase {
    private static final int LINES = 200_000;
    private static final int WINDOW = 64 * 1024;
    private final List<Slot> slots = new CopyOnWriteArrayList<>();

    @Override
    protected SessionRegistry newRegistry() {
        return SeqInPty.registry(root, LINES, slots);
    }

    @Test
    void withoutAcksTheProgramIsPausedAndWithAcksEveryLineArrivesInOrder() throws Exception {
        RawWebSocket c = loggedIn();
        Session session = server.sessions().sessions().iterator().next();
        await("the terminal is registered", () -> slots.size() == 1);
        c.send(FlowWindowTest.flow(WINDOW));

        // The program started before FLOW: what came before the reply is not counted.
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        for (RawWebSocket.Frame f = c.readFrame(); f.opcode() != 2; f = c.readFrame()) {
            assertEquals(1, f.opcode());
            text.writeBytes(f.payload());
        }
        int counted = 0;
        int last = 0;
        while (counted < WINDOW) {
            RawWebSocket.Frame f = c.readFrame();
            assertEquals(1, f.opcode(), "terminal output only");
            text.writeBytes(f.payload());
            last = f.payload().length;
            counted += last;
        }
        FlowWindowTest.assertNothingMoreBeforeAFileReply(c);
        assertTrue(counted - last < WINDOW, "the frame before the last one already filled the window");

        await("the program is paused because nothing is acknowledged", session::producerPaused);
        long backlog = slots.get(0).backlog();
        long high = SessionConfig.DEFAULTS.outputHighWater();
        // Bounded: the high-water mark plus what the reader had in hand (one 8 KiB pty chunk, framed).
        // At least the low-water mark: on a loaded machine the program may pause before the FLOW reply
        // (the client reads slowly), and the window's 64 KiB then leave the backlog without a resume.
        long low = SessionConfig.DEFAULTS.outputLowWater();
        assertTrue(backlog >= low && backlog <= high + 64 * 1024, "backlog " + backlog);

        String end = LINES + "\r\n";
        long pending = counted;
        while (!text.toString(StandardCharsets.US_ASCII).endsWith(end)) {
            if (pending >= WINDOW / 2) {
                c.send(FlowWindowTest.ack(pending));
                pending = 0;
            }
            RawWebSocket.Frame f = c.readFrame();
            assertEquals(1, f.opcode(), "terminal output only");
            text.writeBytes(f.payload());
            pending += f.payload().length;
        }
        SeqInPty.assertEveryLineInOrder(text.toString(StandardCharsets.US_ASCII), LINES);
        assertEquals(false, session.producerPaused(), "resumed once the client acknowledged");
    }
}
