package dev.webrepl.dupterm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.engine.EngineOutput;
import dev.webrepl.core.engine.EngineOutput.WriteResult;
import dev.webrepl.dupterm.Fakes.FakePort;
import dev.webrepl.dupterm.Fakes.Harness;
import dev.webrepl.dupterm.Fakes.PausableRecorder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Output: whole and in order to every terminal, scrollback, the POSIX send() rule, slow consumers. */
class SessionOutputTest {
    /** Low water 4, high water 8, hard cap 16 bytes per terminal. */
    private static final SessionConfig SMALL = SessionConfig.DEFAULTS.withOutputLimits(4, 8, 16)
            .withLinger(Duration.ofSeconds(60)).withIdleTimeout(Duration.ZERO);

    Harness harness;

    @AfterEach
    void close() {
        harness.close();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyWriteReachesEveryTerminalWholeAndInOrderAsValidUtf8Frames() throws Exception {
        harness = new Harness(SessionConfig.DEFAULTS);
        FakePort a = new FakePort();
        FakePort b = new FakePort();
        Slot first = harness.open(a);
        harness.attach(first, TerminalMode.VIEW, b);
        EngineOutput out = harness.engine().context.output();

        out.write(utf8("2\r\n>>> "));
        out.write(new byte[] {'4', (byte) 0xE2, (byte) 0x82});
        out.write(new byte[] {(byte) 0xAC, '\r', '\n'});

        assertEquals("2\r\n>>> 4€\r\n", a.drain());
        assertEquals("2\r\n>>> 4€\r\n", b.drain());
    }

    @Test
    void aTerminalThatAttachesGetsTheScrollbackFromACharacterBoundaryThenLiveOutput() throws Exception {
        harness = new Harness(SessionConfig.DEFAULTS.withScrollbackBytes(8));
        FakePort a = new FakePort();
        Slot first = harness.open(a);
        harness.engine().write("ééé");
        harness.engine().write("cd");
        harness.engine().write("e");
        FakePort late = new FakePort();

        harness.attach(first, TerminalMode.READ_WRITE, late);
        harness.engine().write("!");

        // The last 8 bytes begin inside the first é: the replay starts at the next character.
        assertEquals("éécde!", late.drain());
        assertEquals("ééécde!", a.drain());
    }

    @Test
    void theProducerIsPausedWhenEveryTerminalIsAboveHighWater() throws Exception {
        harness = new Harness(SMALL);
        Slot first = harness.open(new FakePort());
        harness.attach(first, TerminalMode.READ_WRITE, new FakePort());
        PausableRecorder producer = new PausableRecorder();
        harness.engine().context.pausable(producer);

        harness.engine().write("123456789");

        assertEquals(List.of("pause"), producer.events);
        assertEquals(1, harness.recorder.paused.get());
        assertTrue(first.session().producerPaused());
    }

    @Test
    void theProducerIsNotPausedWhileOneTerminalIsBelowHighWater() throws Exception {
        harness = new Harness(SMALL);
        Slot first = harness.open(new FakePort());
        harness.attach(first, TerminalMode.READ_WRITE, new FakePort(true));
        PausableRecorder producer = new PausableRecorder();
        harness.engine().context.pausable(producer);

        harness.engine().write("123456789");

        assertEquals(List.of(), producer.events);
        assertEquals(0, harness.recorder.paused.get());
        assertFalse(first.session().producerPaused());
    }

    @Test
    void aPausedProducerResumesWhenATerminalDrainsBelowLowWater() throws Exception {
        harness = new Harness(SMALL);
        FakePort a = new FakePort();
        Slot first = harness.open(a);
        harness.attach(first, TerminalMode.READ_WRITE, new FakePort());
        PausableRecorder producer = new PausableRecorder();
        harness.engine().context.pausable(producer);
        harness.engine().write("123456789");

        a.drain();

        assertEquals(List.of("pause", "resume"), producer.events);
        assertFalse(first.session().producerPaused());
    }

    @Test
    void tryWriteWouldBlockExactlyWhenEveryTerminalIsAboveHighWater() throws Exception {
        harness = new Harness(SMALL);
        FakePort a = new FakePort();
        FakePort b = new FakePort();
        Slot first = harness.open(a);
        harness.attach(first, TerminalMode.READ_WRITE, b);
        EngineOutput out = harness.engine().context.output();

        assertEquals(WriteResult.WRITTEN, out.tryWrite(utf8("12345678")));
        assertEquals(WriteResult.WRITTEN, out.tryWrite(utf8("9")));
        assertEquals(WriteResult.WOULD_BLOCK, out.tryWrite(utf8("x")));
        assertEquals("123456789", b.drain());
        assertEquals(WriteResult.WRITTEN, out.tryWrite(utf8("y")));

        assertEquals("123456789y", a.drain());
        assertEquals("y", b.drain());
    }

    @Test
    void tryWriteWithNoTerminalWrites() throws Exception {
        harness = new Harness(SMALL);
        Slot first = harness.open(new FakePort());
        first.offer(1, utf8("x")).block();
        first.leave("peer-gone", "peer gone");
        assertEquals(0, first.session().terminals());

        assertEquals(WriteResult.WRITTEN, harness.engine().context.output().tryWrite(utf8("lonely")));
    }

    @Test
    void writeBlockingWaitsUntilATerminalDrains() throws Exception {
        harness = new Harness(SMALL);
        FakePort a = new FakePort();
        Slot first = harness.open(a);
        EngineOutput out = harness.engine().context.output();
        out.write(utf8("123456789"));
        CompletableFuture<Void> written = new CompletableFuture<>();
        Thread writer = new Thread(() -> {
            try {
                out.writeBlocking(utf8("z"));
                written.complete(null);
            } catch (Throwable e) {
                written.completeExceptionally(e);
            }
        });

        writer.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (writer.getState() != Thread.State.WAITING) {
            assertTrue(System.nanoTime() < deadline, "the writer never blocked");
            assertFalse(written.isDone(), "wrote past the high-water mark");
            Thread.onSpinWait();
        }
        assertFalse(written.isDone());
        assertEquals(9, first.backlog());
        String before = new String(first.poll(), StandardCharsets.UTF_8);
        written.get(10, TimeUnit.SECONDS);

        assertEquals("123456789", before);
        assertEquals("z", a.drain());
    }

    @Test
    void aTerminalPastTheHardCapIsDeactivatedAndTheOthersAreToldAndCarryOn() throws Exception {
        harness = new Harness(SMALL);
        FakePort slow = new FakePort();
        FakePort fast = new FakePort(true);
        Slot first = harness.open(slow);
        harness.attach(first, TerminalMode.READ_WRITE, fast);

        harness.engine().write("0123456789");
        harness.engine().write("abcdefghij");
        harness.engine().write("more");

        String reason = "slow consumer (more than 16 bytes of output waiting)";
        assertEquals(List.of("1008:" + reason), slow.closes);
        assertEquals(0, first.backlog(), "its backlog is dropped");
        assertEquals("", slow.drain());
        assertEquals("0123456789abcdefghij\r\ndupterm: terminal 0 deactivated: " + reason + "\r\nmore", fast.drain());
        assertEquals(List.of("slow-consumer"), harness.recorder.deactivated);
        assertFalse(first.session().ended());
        assertEquals(0, harness.engine().closes.get());
        assertEquals(List.of(), fast.closes);
    }

    @Test
    void oneWriteLargerThanTheHardCapReachesATerminalWithNothingWaiting() throws Exception {
        harness = new Harness(SMALL);
        FakePort fast = new FakePort(true);
        Slot slot = harness.open(fast);

        harness.engine().write("a write of more than sixteen bytes");

        assertEquals("a write of more than sixteen bytes", fast.drain());
        assertEquals(List.of(), fast.closes);
        assertEquals(List.of(), harness.recorder.deactivated);
        assertFalse(slot.session().ended());
    }

    @Test
    void aTerminalThatLeavesIsClearedFirstAndTheOthersAreTold() throws Exception {
        harness = new Harness(SMALL);
        FakePort gone = new FakePort();
        FakePort other = new FakePort(true);
        Slot first = harness.open(gone);
        harness.attach(first, TerminalMode.READ_WRITE, other);

        first.leave("peer-gone", "peer gone");
        harness.engine().write("x");

        assertEquals("", gone.drain());
        assertEquals(List.of(), gone.closes, "the transport closes a terminal that left");
        assertEquals("\r\ndupterm: terminal 0 deactivated: peer gone\r\nx", other.drain());
        assertEquals(List.of("peer-gone"), harness.recorder.deactivated);
        assertEquals(1, first.session().terminals());
    }

    @Test
    void leavingTwiceIsDeactivatedOnce() throws Exception {
        harness = new Harness(SMALL);
        FakePort other = new FakePort(true);
        Slot first = harness.open(new FakePort());
        harness.attach(first, TerminalMode.READ_WRITE, other);

        first.leave("peer-gone", "peer gone");
        first.leave("closed", "closed");

        assertEquals("\r\ndupterm: terminal 0 deactivated: peer gone\r\n", other.drain());
        assertEquals(List.of("peer-gone"), harness.recorder.deactivated);
    }
}
