package dev.webrepl.dupterm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.core.engine.TerminalOutput;
import dev.webrepl.core.protocol.WebReplConnection;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionTest {
    /** Records its life; writes {@code banner} (if any) when started. */
    static final class FakeEngine implements ReplEngine {
        final String banner;
        TerminalOutput output;
        final List<String> inputs = new ArrayList<>();
        int starts;
        int closes;

        FakeEngine(String banner) {
            this.banner = banner;
        }

        @Override
        public void start(TerminalOutput output) {
            starts++;
            this.output = output;
            if (banner != null) {
                output.write(banner.getBytes(StandardCharsets.US_ASCII));
            }
        }

        @Override
        public void input(byte[] bytes) {
            inputs.add(new String(bytes, StandardCharsets.US_ASCII));
        }

        @Override
        public void close() {
            closes++;
        }

        void write(String s) {
            output.write(s.getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** A terminal that records the output it is given, as one string per write. */
    static final class Screen implements TerminalOutput {
        final List<String> writes = new ArrayList<>();

        @Override
        public void write(byte[] bytes) {
            writes.add(new String(bytes, StandardCharsets.US_ASCII));
        }
    }

    final List<FakeEngine> engines = new ArrayList<>();
    String banner;
    final SessionRegistry registry = new SessionRegistry(() -> {
        FakeEngine e = new FakeEngine(banner);
        engines.add(e);
        return e;
    }, new SecureRandom());

    // --- terminals -----------------------------------------------------------------------------

    @Test
    void outputGoesWholeToEveryAttachedTerminal() {
        Session session = registry.open();
        Screen one = new Screen();
        Screen two = new Screen();
        session.attach(one);
        session.attach(two);

        engines.get(0).write("2\r\n>>> ");

        assertEquals(List.of("2\r\n>>> "), one.writes);
        assertEquals(List.of("2\r\n>>> "), two.writes);
    }

    @Test
    void outputWrittenWhileTheEngineStartsReachesTheFirstTerminal() {
        banner = "banner\r\n>>> ";
        Session session = registry.open();
        Screen first = new Screen();

        session.attach(first);

        assertEquals(List.of("banner\r\n>>> "), first.writes);
    }

    @Test
    void aTerminalAttachedLaterGetsOnlyLaterOutput() {
        Session session = registry.open();
        Screen early = new Screen();
        session.attach(early);
        engines.get(0).write("a");
        Screen late = new Screen();

        session.attach(late);
        engines.get(0).write("b");

        assertEquals(List.of("a", "b"), early.writes);
        assertEquals(List.of("b"), late.writes);
    }

    @Test
    void inputFromEveryTerminalReachesTheEngineInArrivalOrder() {
        Session session = registry.open();
        WebReplConnection.Terminal one = session.attach(new Screen());
        WebReplConnection.Terminal two = session.attach(new Screen());

        one.input("1+".getBytes(StandardCharsets.US_ASCII));
        two.input("1".getBytes(StandardCharsets.US_ASCII));
        one.input("\r".getBytes(StandardCharsets.US_ASCII));

        assertEquals(List.of("1+", "1", "\r"), engines.get(0).inputs);
    }

    @Test
    void aDetachedTerminalGetsNoMoreOutputAndTheOthersCarryOn() {
        Session session = registry.open();
        Screen one = new Screen();
        Screen two = new Screen();
        WebReplConnection.Terminal first = session.attach(one);
        session.attach(two);

        first.close();
        engines.get(0).write("x");

        assertEquals(List.of(), one.writes);
        assertEquals(List.of("x"), two.writes);
        assertFalse(session.ended());
        assertEquals(0, engines.get(0).closes);
        assertEquals(1, registry.size());
    }

    @Test
    void theLastDetachEndsTheSessionClosesTheEngineAndRemovesItFromTheRegistry() {
        Session session = registry.open();
        WebReplConnection.Terminal one = session.attach(new Screen());
        WebReplConnection.Terminal two = session.attach(new Screen());

        one.close();
        two.close();

        assertTrue(session.ended());
        assertEquals(1, engines.get(0).closes);
        assertTrue(registry.find(session.id()).isEmpty());
        assertEquals(0, registry.size());
    }

    @Test
    void closingTheSameTerminalTwiceDoesNotEndTheSessionForTheOthers() {
        Session session = registry.open();
        WebReplConnection.Terminal one = session.attach(new Screen());
        Screen other = new Screen();
        session.attach(other);

        one.close();
        one.close();
        engines.get(0).write("still here");

        assertFalse(session.ended());
        assertEquals(List.of("still here"), other.writes);
    }

    @Test
    void endIsIdempotentAndClosesTheEngineOnce() {
        Session session = registry.open();
        WebReplConnection.Terminal t = session.attach(new Screen());

        session.end();
        session.end();
        t.close();
        registry.close();

        assertEquals(1, engines.get(0).closes);
    }

    @Test
    void attachingToAnEndedSessionFails() {
        Session session = registry.open();
        session.end();

        assertThrows(IllegalStateException.class, () -> session.attach(new Screen()));
    }

    @Test
    void afterTheEndNoInputReachesTheEngineAndNoOutputReachesTheTerminals() {
        Session session = registry.open();
        Screen screen = new Screen();
        WebReplConnection.Terminal t = session.attach(screen);

        session.end();
        t.input("late".getBytes(StandardCharsets.US_ASCII));
        engines.get(0).write("late");

        assertEquals(List.of(), engines.get(0).inputs);
        assertEquals(List.of(), screen.writes);
    }

    @Test
    void aSessionEndedDirectlyIsRemovedFromTheRegistry() {
        Session session = registry.open();
        Session other = registry.open();

        session.end();

        assertEquals(List.of(other), List.copyOf(registry.sessions()));
    }
}
