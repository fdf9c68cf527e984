package dev.webrepl.dupterm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.Fakes.ControlledEngine;
import dev.webrepl.dupterm.Fakes.FakePort;
import dev.webrepl.dupterm.Fakes.Harness;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A session's life: its engine, its terminals, how it ends (DESIGN "Sessions and terminals"). */
class SessionTest {
    private static final SessionConfig CONFIG = SessionConfig.DEFAULTS.withIdleTimeout(Duration.ZERO);

    final Harness harness = new Harness(CONFIG);

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void outputWrittenWhileTheEngineStartsReachesTheFirstTerminal() throws Exception {
        harness.engineSetup = e -> e.banner = "banner\r\n>>> ";
        FakePort port = new FakePort();

        Slot slot = harness.open(port);

        assertEquals("banner\r\n>>> ", port.drain());
        assertEquals(1, harness.engine().starts.get());
        assertFalse(slot.session().ended());
    }

    @Test
    void slotsAreNumberedFromZeroInTheirSession() throws Exception {
        Slot first = harness.open(new FakePort());
        Slot second = harness.attach(first, TerminalMode.VIEW, new FakePort());
        Slot other = harness.open(new FakePort());

        assertEquals(List.of(0, 1, 0), List.of(first.number(), second.number(), other.number()));
        assertEquals(TerminalMode.READ_WRITE, first.mode());
        assertEquals(TerminalMode.VIEW, second.mode());
    }

    @Test
    void anEngineExitEndsTheSessionWithALastLineAndANormalClose() throws Exception {
        FakePort a = new FakePort();
        FakePort b = new FakePort();
        Slot first = harness.open(a);
        harness.attach(first, TerminalMode.VIEW, b);
        ControlledEngine engine = harness.engine();

        engine.context.exited(0);

        for (FakePort p : List.of(a, b)) {
            assertEquals("\r\nsession ended: engine exited with status 0\r\n", p.drain());
            assertEquals(List.of("1000:engine exited with status 0"), p.closes);
        }
        assertEquals(1, engine.closes.get());
        assertTrue(engine.inputCompleted);
        assertTrue(first.session().ended());
        assertTrue(harness.registry.find(first.session().id()).isEmpty());
        assertEquals(List.of("engine-exit"), harness.recorder.ended);
    }

    @Test
    void anEngineFailureEndsTheSessionWith1011AndReleasesItsResources() throws Exception {
        FakePort a = new FakePort();
        Slot first = harness.open(a);
        ControlledEngine engine = harness.engine();

        engine.context.failed(new IOException("disk on fire"));
        engine.context.exited(0);

        assertEquals("\r\nsession ended: engine failed: disk on fire\r\n", a.drain());
        assertEquals(List.of("1011:engine failed: disk on fire"), a.closes);
        assertEquals(1, engine.closes.get());
        assertTrue(engine.inputCompleted);
        assertEquals(0, harness.registry.size());
        assertEquals(List.of("engine-error"), harness.recorder.ended);
        assertTrue(first.session().ended());
    }

    @Test
    void anEngineThatThrowsAtStartEndsTheSessionWith1011() throws Exception {
        harness.engineSetup = e -> e.failAtStart = new IllegalStateException("no python here");
        FakePort a = new FakePort();

        Slot slot = harness.open(a);

        assertEquals("\r\nsession ended: engine failed to start: no python here\r\n", a.drain());
        assertEquals(List.of("1011:engine failed to start: no python here"), a.closes);
        assertEquals(1, harness.engine().closes.get());
        assertTrue(slot.session().ended());
        assertEquals(0, harness.registry.size());
        assertEquals(List.of("engine-error"), harness.recorder.ended);
    }

    @Test
    void anEngineThatThrowsWhileReadingInputEndsTheSessionWith1011() throws Exception {
        harness.engineSetup = e -> e.failOnInput = new IllegalArgumentException("cannot parse");
        FakePort a = new FakePort();
        Slot slot = harness.open(a);

        slot.offer(1, "x".getBytes(StandardCharsets.UTF_8)).block();
        harness.engine().request(1);

        assertEquals("\r\nsession ended: engine failed: cannot parse\r\n", a.drain());
        assertEquals(List.of("1011:engine failed: cannot parse"), a.closes);
        assertEquals(1, harness.engine().closes.get());
        assertEquals(0, harness.registry.size());
    }

    @Test
    void anEngineThatThrowsWhileWritingOutputEndsTheSessionAfterWhatItWrote() throws Exception {
        harness.engineSetup = e -> {
            e.failOnInput = new IllegalStateException("stdout broke");
            e.writeBeforeFailing = "partial";
        };
        FakePort a = new FakePort();
        Slot slot = harness.open(a);

        slot.offer(1, "x".getBytes(StandardCharsets.UTF_8)).block();
        harness.engine().request(1);

        assertEquals("partial\r\nsession ended: engine failed: stdout broke\r\n", a.drain());
        assertEquals(List.of("1011:engine failed: stdout broke"), a.closes);
        assertEquals(0, harness.registry.size());
    }

    @Test
    void endIsIdempotentAndClosesTheEngineAndEachTerminalOnce() throws Exception {
        FakePort a = new FakePort();
        Slot slot = harness.open(a);

        slot.session().end(Session.NORMAL_CLOSURE, "bye", "shutdown");
        slot.session().end(Session.INTERNAL_ERROR, "again", "engine-error");
        harness.registry.close();

        assertEquals(List.of("1000:bye"), a.closes);
        assertEquals("\r\nsession ended: bye\r\n", a.drain());
        assertEquals(1, harness.engine().closes.get());
        assertEquals(List.of("shutdown"), harness.recorder.ended);
    }

    @Test
    void afterTheEndNoInputReachesTheEngineAndNoOutputReachesTheTerminals() throws Exception {
        FakePort a = new FakePort();
        Slot slot = harness.open(a);
        ControlledEngine engine = harness.engine();
        slot.session().end(Session.NORMAL_CLOSURE, "", "shutdown");

        slot.offer(1, "late".getBytes(StandardCharsets.UTF_8)).block(Duration.ofSeconds(10));
        engine.write("late");

        assertEquals(List.of(), engine.received);
        assertEquals("", a.drain());
        assertEquals(List.of("1000:session ended"), a.closes);
    }

    @Test
    void attachingToAnEndedSessionFailsWith1008() throws Exception {
        Slot slot = harness.open(new FakePort());
        slot.session().end(Session.NORMAL_CLOSURE, "", "shutdown");

        SessionException e = assertThrows(SessionException.class,
                () -> harness.attach(slot, TerminalMode.READ_WRITE, new FakePort()));
        assertEquals(1008, e.closeCode());
    }

    @Test
    void anEngineWhoseInputSubscriberThrowsEndsTheSessionWith1011() throws Exception {
        java.util.concurrent.atomic.AtomicInteger closes = new java.util.concurrent.atomic.AtomicInteger();
        dev.webrepl.core.engine.ReplEngine raw = new dev.webrepl.core.engine.ReplEngine() {
            @Override
            public void start(dev.webrepl.core.engine.EngineContext context) {
                // A plain Subscriber that breaks the rules: its onNext throws. Reactor cancels the input.
                context.input().subscribe(new org.reactivestreams.Subscriber<byte[]>() {
                    @Override
                    public void onSubscribe(org.reactivestreams.Subscription s) {
                        s.request(1);
                    }

                    @Override
                    public void onNext(byte[] bytes) {
                        throw new IllegalStateException("broken engine");
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onComplete() {
                    }
                });
            }

            @Override
            public void interrupt() {
            }

            @Override
            public void close() {
                closes.incrementAndGet();
            }
        };
        try (SessionRegistry registry = new SessionRegistry(() -> raw, new java.security.SecureRandom(), CONFIG)) {
            FakePort port = new FakePort();
            Slot slot = port.attached(registry.open(port));

            slot.offer(0, "x".getBytes(StandardCharsets.UTF_8)).block(Duration.ofSeconds(10));

            assertTrue(slot.session().ended());
            assertEquals("\r\nsession ended: engine failed: it stopped reading its input\r\n", port.drain());
            assertEquals(List.of("1011:engine failed: it stopped reading its input"), port.closes);
            assertEquals(1, closes.get());
            assertEquals(0, registry.size());
        }
    }

    @Test
    void aTerminalThatFailsToTakeOutputIsDeactivatedAsAWriteError() throws Exception {
        FakePort good = new FakePort();
        Slot first = harness.open(good);
        FakePort broken = new FakePort() {
            @Override
            public void outputAvailable() {
                throw new IllegalStateException("socket gone");
            }
        };
        harness.attach(first, TerminalMode.READ_WRITE, broken);

        harness.engine().context.output().write("hi".getBytes(StandardCharsets.UTF_8));

        assertEquals("hi\r\ndupterm: terminal 1 deactivated: write error\r\n", good.drain());
        assertEquals(List.of("1008:write error"), broken.closes);
        assertEquals(List.of("write-error"), harness.recorder.deactivated);
        assertFalse(first.session().ended());
    }

    @Test
    void theEngineContextCarriesTheWorkingDirectoryTheTerminalSizeAndTheRecorder() throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of("/srv/webrepl-files");
        try (Harness h = new Harness(CONFIG.withWorkingDirectory(dir))) {
            Slot first = h.open(new FakePort());
            Slot viewer = h.attach(first, TerminalMode.VIEW, new FakePort());
            dev.webrepl.core.engine.EngineContext context = h.engine().context;

            assertEquals(dir, context.workingDirectory());
            assertEquals(dev.webrepl.core.engine.TerminalSize.DEFAULT, context.terminalSize());
            first.resize(132, 43);
            viewer.resize(20, 10);  // a viewer does not size the terminal
            assertEquals(new dev.webrepl.core.engine.TerminalSize(132, 43), context.terminalSize());
            assertTrue(context.recorder() == h.recorder);
            assertEquals(1, h.recorder.enginesStarted.get());
        }
    }
}
