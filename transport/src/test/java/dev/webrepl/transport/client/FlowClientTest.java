package dev.webrepl.transport.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.protocol.FileRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link ReplConnection#flow} and {@link ReplConnection#ack} against the real server (PROTOCOL.md §9). */
@Timeout(60)
class FlowClientTest extends LoggedInClientTestBase {
    private static final int WINDOW = 1000;

    /** Output sizes and "version" in wire order: both are recorded on the connection's event loop. */
    private final List<Object> events = new ArrayList<>();
    private final CountDownLatch echoed = new CountDownLatch(1);
    private final CountDownLatch windowFull = new CountDownLatch(1);
    private final StringBuilder text = new StringBuilder();
    /** Set once the test acknowledges: from then on every frame is acknowledged as it is consumed. */
    private volatile boolean acking;
    private int before = -1;

    @Test
    void outputStopsAtTheWindowUntilAcknowledged() throws Exception {
        String typed = "x".repeat(2000);
        c.flow(WINDOW).join();
        // Everything before the FLOW reply has arrived (the banner, the session line): count from here.
        c.output().subscribe(bytes -> {
            synchronized (events) {
                events.add(bytes.length);
                text.append(new String(bytes, StandardCharsets.UTF_8));
                if (before >= 0 && received() - before >= WINDOW) {
                    windowFull.countDown();
                }
                if (text.toString().endsWith(typed)) {
                    echoed.countDown();
                }
            }
            if (acking) {
                c.ack(bytes.length);
            }
        });
        synchronized (events) {
            before = received();
        }
        for (int i = 0; i < 4; i++) {
            c.send(typed.substring(i * 500, i * 500 + 500)).join();
        }
        assertTrue(windowFull.await(10, TimeUnit.SECONDS), "the window never filled");
        c.version().thenRun(() -> {
            synchronized (events) {
                events.add("version");
            }
        }).join();
        int held;
        synchronized (events) {
            assertEquals("version", events.get(events.size() - 1));
            held = received() - before;
            int last = (Integer) events.get(events.size() - 2);
            assertTrue(held >= WINDOW && held - last < WINDOW, "held " + held + ", last frame " + last);
        }

        acking = true;
        c.ack(held).join();
        assertTrue(echoed.await(10, TimeUnit.SECONDS), "the rest of the echo never arrived");
        synchronized (events) {
            assertEquals(typed, text.substring(text.length() - typed.length()));
        }
    }

    @Test
    void flowZeroIsAcceptedAndBadArgumentsFailLocally() {
        c.flow(FileRequest.MAX_FLOW_WINDOW).join();
        c.flow(0).join();
        c.ack(0).join();
        CompletionException e = assertThrows(CompletionException.class, () -> c.flow(FileRequest.MAX_FLOW_WINDOW + 1).join());
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        e = assertThrows(CompletionException.class, () -> c.ack(-1).join());
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertEquals(3, c.version().join().length);   // the channel is still in step
    }

    private int received() {
        synchronized (events) {
            int n = 0;
            for (Object o : events) {
                if (o instanceof Integer i) {
                    n += i;
                }
            }
            return n;
        }
    }
}
