package dev.webrepl.dupterm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.Fakes.ControlledEngine;
import dev.webrepl.dupterm.Fakes.FakePort;
import dev.webrepl.dupterm.Fakes.Harness;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** Terminal input: bounded queue, pull by the engine, merge, Ctrl-C out of band (DESIGN "Data flow"). */
class SessionInputTest {
    private static final SessionConfig CONFIG = SessionConfig.DEFAULTS.withLinger(Duration.ZERO)
            .withIdleTimeout(Duration.ZERO);

    Harness harness;

    @AfterEach
    void close() {
        harness.close();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Subscribes to an offer as the transport does; the flag tells when it was taken. */
    private static AtomicBoolean taken(Mono<Void> offer) {
        AtomicBoolean done = new AtomicBoolean();
        offer.subscribe(null, e -> {
            throw new AssertionError(e);
        }, () -> done.set(true));
        return done;
    }

    @ParameterizedTest
    @ValueSource(ints = {4 * 1024, 64 * 1024})
    void aFloodIntoASlowEngineNeverQueuesMoreThanTheBoundAndLosesNothing(int bound) throws Exception {
        harness = new Harness(CONFIG.withInputQueueBytes(bound));
        Slot slot = harness.open(new FakePort());
        ControlledEngine engine = harness.engine();
        byte[] flood = new byte[10 * 1024 * 1024];
        new Random(42).nextBytes(flood);

        long seq = 0;
        int offers = 0;
        for (int off = 0; off < flood.length; off += 1024) {
            AtomicBoolean taken = taken(slot.offer(seq++, Arrays.copyOfRange(flood, off, off + 1024)));
            offers++;
            // The client sends the next chunk only once this one was taken; the engine reads one
            // chunk per three offers, or when the client waits on it.
            if (offers % 3 == 0) {
                engine.request(1);
            }
            while (!taken.get()) {
                engine.request(1);
            }
        }
        while (slot.session().queuedInputBytes() > 0) {
            engine.request(1);
        }

        assertEquals(bound, harness.recorder.maxQueued(), "the queue fills up to the bound, never past it");
        assertEquals(bound, slot.session().maxQueuedInputBytes());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        engine.received.forEach(got::writeBytes);
        assertArrayEquals(flood, got.toByteArray());
        assertEquals(10 * 1024, engine.received.size());
    }

    @Test
    void aChunkLargerThanTheBoundIsAdmittedIntoAnEmptyQueue() throws Exception {
        harness = new Harness(CONFIG.withInputQueueBytes(4096));
        Slot slot = harness.open(new FakePort());
        byte[] big = new byte[10_000];
        Arrays.fill(big, (byte) 'x');

        AtomicBoolean taken = taken(slot.offer(0, big));

        assertTrue(taken.get());
        harness.engine().request(1);
        assertEquals(1, harness.engine().received.size());
        assertArrayEquals(big, harness.engine().received.get(0));
    }

    @Test
    void aChunkLargerThanTheBoundWaitsForTheQueueToEmptyThenIsAdmitted() throws Exception {
        harness = new Harness(CONFIG.withInputQueueBytes(4096));
        Slot slot = harness.open(new FakePort());
        taken(slot.offer(0, ascii("a")));

        AtomicBoolean taken = taken(slot.offer(1, new byte[10_000]));
        assertFalse(taken.get());
        harness.engine().request(1);

        assertTrue(taken.get());
        assertEquals(10_000, slot.session().queuedInputBytes());
    }

    @Test
    void inputFromTwoReadWriteTerminalsIsMergedInArrivalOrderAndAViewersInputIsIgnored() throws Exception {
        harness = new Harness(CONFIG);
        Slot one = harness.open(new FakePort());
        Slot two = harness.attach(one, TerminalMode.READ_WRITE, new FakePort());
        Slot viewer = harness.attach(one, TerminalMode.VIEW, new FakePort());

        taken(one.offer(1, ascii("1+")));
        taken(viewer.offer(1, ascii("import os")));
        taken(two.offer(1, ascii("1")));
        taken(viewer.offer(2, ascii("\r")));
        taken(one.offer(2, ascii("\r")));
        harness.engine().request(10);

        assertEquals(List.of("1+", "1", "\r"), harness.engine().chunks());
    }

    @Test
    void ctrlCDiscardsQueuedAndPendingInputAndInterruptsTheEngineAtOnce() throws Exception {
        harness = new Harness(CONFIG.withInputQueueBytes(4));
        Slot slot = harness.open(new FakePort());
        ControlledEngine engine = harness.engine();
        AtomicBoolean queued = taken(slot.offer(1, ascii("abc")));
        AtomicBoolean pending = taken(slot.offer(2, ascii("while 1: pass")));
        assertTrue(queued.get());
        assertFalse(pending.get());

        slot.interrupt(4);

        assertEquals(List.of(0), engine.receivedAtInterrupt, "interrupted before reading anything");
        assertTrue(pending.get(), "the pending offer is released");
        assertEquals(0, slot.session().queuedInputBytes());
        assertEquals(0L, harness.recorder.queued.get(harness.recorder.queued.size() - 1));
        taken(slot.offer(3, ascii("late")));
        taken(slot.offer(4, new byte[] {'x', 3, 'y', 3, 'z'}));
        taken(slot.offer(5, ascii("w")));
        engine.request(10);
        assertEquals(List.of("z", "w"), engine.chunks());
    }

    @Test
    void inputAndCtrlCWaitForAnEngineThatIsNotReadyThenArriveInOrder() throws Exception {
        harness = new Harness(CONFIG);
        harness.engineSetup = e -> e.reportsReady = true;
        Slot slot = harness.open(new FakePort());
        ControlledEngine engine = harness.engine();
        engine.request(10);
        AtomicBoolean before = taken(slot.offer(1, ascii("print(1)\r")));

        // Thonny's Ctrl-C right after the password, then its raw-REPL entry.
        slot.interrupt(2);
        taken(slot.offer(2, new byte[] {'\r', 3}));
        AtomicBoolean after = taken(slot.offer(3, new byte[] {1}));

        assertTrue(before.get() && after.get(), "held input is queued (within the bound), not left waiting");
        assertEquals(List.of(), engine.chunks(), "nothing reaches an engine that is not ready");
        assertEquals(List.of(), engine.receivedAtInterrupt, "nor does Ctrl-C");
        assertFalse(slot.session().engineReady());

        engine.context.ready();

        assertTrue(slot.session().engineReady());
        assertEquals(List.of(0), engine.receivedAtInterrupt, "Ctrl-C first");
        assertEquals(List.of("\u0001"), engine.chunks(), "then what came after it; what came before is dropped");
        engine.context.ready();
        assertEquals(List.of(0), engine.receivedAtInterrupt, "ready is idempotent");
    }

    @Test
    void anEngineThatNeverSaysItIsReadyGetsItsInputAfterTheBound() throws Exception {
        harness = new Harness(CONFIG.withReadyTimeout(Duration.ofSeconds(5)));
        harness.engineSetup = e -> e.reportsReady = true;
        Slot slot = harness.open(new FakePort());
        ControlledEngine engine = harness.engine();
        engine.request(10);
        taken(slot.offer(1, ascii("a")));
        slot.interrupt(2);
        taken(slot.offer(2, new byte[] {3, 'b'}));

        harness.timers.advanceTimeBy(Duration.ofMillis(4999));
        assertEquals(List.of(), engine.chunks());
        harness.timers.advanceTimeBy(Duration.ofMillis(1));

        assertEquals(List.of(0), engine.receivedAtInterrupt);
        assertEquals(List.of("b"), engine.chunks());
        assertTrue(slot.session().engineReady());
    }

    @Test
    void anEngineThatDoesNotReportReadinessTakesInputAtOnce() throws Exception {
        harness = new Harness(CONFIG);
        Slot slot = harness.open(new FakePort());
        harness.engine().request(10);
        taken(slot.offer(1, ascii("a")));
        slot.interrupt(2);

        assertTrue(slot.session().engineReady());
        assertEquals(List.of("a"), harness.engine().chunks());
        assertEquals(List.of(1), harness.engine().receivedAtInterrupt);
    }

    @Test
    void aViewerCannotInterrupt() throws Exception {
        harness = new Harness(CONFIG);
        Slot one = harness.open(new FakePort());
        Slot viewer = harness.attach(one, TerminalMode.VIEW, new FakePort());
        taken(one.offer(1, ascii("abc")));

        viewer.interrupt(1);
        harness.engine().request(1);

        assertEquals(List.of(), harness.engine().receivedAtInterrupt);
        assertEquals(List.of("abc"), harness.engine().chunks());
    }

    @Test
    void inputOfferedBeforeTheEngineSubscribesIsQueuedNotDropped() throws Exception {
        harness = new Harness(CONFIG);
        harness.engineSetup = e -> e.subscribeAtStart = false;
        Slot slot = harness.open(new FakePort());
        AtomicBoolean a = taken(slot.offer(1, ascii("a")));
        AtomicBoolean b = taken(slot.offer(2, ascii("b")));

        harness.engine().subscribe();
        harness.engine().request(2);

        assertTrue(a.get() && b.get());
        assertEquals(List.of("a", "b"), harness.engine().chunks());
    }

    @Test
    void theWaitingInputOfATerminalThatLeavesIsDroppedAndTheOthersIsKept() throws Exception {
        harness = new Harness(CONFIG.withInputQueueBytes(4));
        Slot one = harness.open(new FakePort());
        Slot two = harness.attach(one, TerminalMode.READ_WRITE, new FakePort());
        ControlledEngine engine = harness.engine();
        assertTrue(taken(one.offer(1, ascii("abc"))).get());
        AtomicBoolean gone = taken(one.offer(2, ascii("gone")));
        AtomicBoolean kept = taken(two.offer(1, ascii("kept")));
        assertFalse(gone.get() || kept.get(), "both wait for room");
        assertEquals(8, one.session().waitingInputBytes());

        one.leave("peer-gone", "peer gone");

        assertTrue(gone.get(), "the connection that left is not held by its input");
        assertFalse(kept.get(), "the other terminal's input still waits for room");
        assertEquals(4, one.session().waitingInputBytes());
        assertTrue(taken(one.offer(3, ascii("late"))).get(), "input after leaving is dropped at once");
        engine.request(10);
        assertTrue(kept.get());
        assertEquals(List.of("abc", "kept"), engine.chunks());
    }

    @Test
    void aCancelledWaitingOfferIsWithdrawnAndWhatWaitedBehindItMovesUp() throws Exception {
        harness = new Harness(CONFIG.withInputQueueBytes(4));
        Slot slot = harness.open(new FakePort());
        ControlledEngine engine = harness.engine();
        assertTrue(taken(slot.offer(1, ascii("ab"))).get());
        reactor.core.Disposable withdrawn = slot.offer(2, ascii("long input")).subscribe();
        AtomicBoolean small = taken(slot.offer(3, ascii("cd")));
        assertFalse(small.get(), "waits behind the first offer that did not fit");

        withdrawn.dispose();

        assertTrue(small.get(), "fits now that the offer before it is gone");
        assertEquals(0, slot.session().waitingInputBytes());
        engine.request(10);
        assertEquals(List.of("ab", "cd"), engine.chunks());
    }

    @Test
    void anOfferWithRoomIsQueuedWhenMadeAndAnswersWithoutASubscription() throws Exception {
        harness = new Harness(CONFIG.withInputQueueBytes(4));
        Slot slot = harness.open(new FakePort());
        ControlledEngine engine = harness.engine();

        // Mono.empty(): the transport's concatMap takes it as done without subscribing (issue #19).
        assertSame(Mono.empty(), slot.offer(1, ascii("ab")));

        assertEquals(2, slot.session().queuedInputBytes());
        engine.request(10);
        assertEquals(List.of("ab"), engine.chunks());
    }

    @Test
    void aWaitingOfferKeepsItsPlaceFromWhenItIsMadeAndAnswersWhenSubscribedAfterItsAdmission() throws Exception {
        harness = new Harness(CONFIG.withInputQueueBytes(4));
        Slot slot = harness.open(new FakePort());
        ControlledEngine engine = harness.engine();
        assertTrue(taken(slot.offer(1, ascii("abcd"))).get());
        Mono<Void> first = slot.offer(2, ascii("ef"));
        Mono<Void> second = slot.offer(3, ascii("gh"));
        assertEquals(4, slot.session().waitingInputBytes(), "both wait, in the order they were made");

        engine.request(1);
        AtomicBoolean secondTaken = taken(second);
        AtomicBoolean firstTaken = taken(first);

        assertTrue(firstTaken.get(), "admitted before it was subscribed: answered at its subscription");
        assertTrue(secondTaken.get());
        engine.request(10);
        assertEquals(List.of("abcd", "ef", "gh"), engine.chunks());
    }
}
