package dev.webrepl.transport.sessions;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.webrepl.dupterm.Slot;
import dev.webrepl.dupterm.TerminalMode;
import dev.webrepl.transport.conformance.RawWebSocket;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The embedding API's callbacks with real connections: terminal-arrived
 * ({@code SessionRegistry.setTerminalArrivedCallback}) and data-available
 * ({@code Slot.setDataAvailableCallback}), both run off the I/O threads.
 */
class EmbeddingCallbacksTest extends SessionsTestBase {
    /** One callback call: the slot and the thread it ran on. */
    private record Call(Slot slot, Thread thread) {
    }

    @Test
    @DisplayName("terminal-arrived and data-available run for real connections, never on an event-loop thread")
    void callbacksRunOffTheEventLoop() throws Exception {
        List<Call> arrived = new CopyOnWriteArrayList<>();
        List<Call> data = new CopyOnWriteArrayList<>();
        server.sessions().setTerminalArrivedCallback(slot -> {
            arrived.add(new Call(slot, Thread.currentThread()));
            slot.setDataAvailableCallback(s -> data.add(new Call(s, Thread.currentThread())));
        });

        RawWebSocket a = loggedIn();
        await("the first terminal's arrival is reported", () -> arrived.size() == 1);
        RawWebSocket b = loggedIn(attach(a.sessionId()) + "?mode=view");
        await("the viewer's arrival is reported", () -> arrived.size() == 2);
        assertEquals(a.sessionId(), arrived.get(0).slot().session().id());
        assertEquals(0, arrived.get(0).slot().number());
        assertEquals(TerminalMode.READ_WRITE, arrived.get(0).slot().mode());
        assertEquals(a.sessionId(), arrived.get(1).slot().session().id());
        assertEquals(1, arrived.get(1).slot().number());
        assertEquals(TerminalMode.VIEW, arrived.get(1).slot().mode());

        a.send(frame(0x81, ascii("hi\r")));
        a.expectText("hi\r\nhi\r\n>>> ");
        b.expectText("hi\r\nhi\r\n>>> ");
        await("input from the first terminal is reported", () -> data.size() == 1);
        assertSame(arrived.get(0).slot(), data.get(0).slot());

        String loopPrefix = "webrepl-" + Integer.toHexString(System.identityHashCode(server));
        for (Call c : List.of(arrived.get(0), arrived.get(1), data.get(0))) {
            assertFalse(c.thread() instanceof FastThreadLocalThread, "ran on a Netty thread: " + c.thread());
            assertFalse(c.thread().getName().startsWith(loopPrefix), "ran on an event loop: " + c.thread());
        }
    }
}
