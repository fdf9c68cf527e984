package dev.webrepl.dupterm;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.Pausable;
import dev.webrepl.core.engine.ReplEngine;
import java.io.ByteArrayOutputStream;
import java.security.SecureRandom;
import java.util.function.Consumer;
import reactor.test.scheduler.VirtualTimeScheduler;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/** Test doubles for sessions: a transport port, a controllable engine, recorders. */
final class Fakes {
    private Fakes() {
    }

    /** The transport side of one terminal: records calls; output is taken with {@link #drain()}. */
    static class FakePort implements SlotPort {
        final List<String> closes = new CopyOnWriteArrayList<>();
        final AtomicInteger outputAvailable = new AtomicInteger();
        final boolean drainsAtOnce;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        Slot slot;

        FakePort() {
            this(false);
        }

        /** @param drainsAtOnce a fast client: output is taken as soon as it is available */
        FakePort(boolean drainsAtOnce) {
            this.drainsAtOnce = drainsAtOnce;
        }

        Slot attached(Slot s) {
            slot = s;
            return s;
        }

        @Override
        public void outputAvailable() {
            outputAvailable.incrementAndGet();
            if (drainsAtOnce && slot != null) {
                take();
            }
        }

        @Override
        public void close(int code, String reason) {
            closes.add(code + ":" + reason);
        }

        /** Polls every waiting frame (each must be valid UTF-8) and returns all received so far, forgotten. */
        synchronized String drain() {
            take();
            String s = received.toString(StandardCharsets.UTF_8);
            received.reset();
            return s;
        }

        private synchronized void take() {
            byte[] frame;
            while ((frame = slot.poll()) != null) {
                try {
                    StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(frame));
                } catch (CharacterCodingException e) {
                    throw new AssertionError("a frame is not valid UTF-8", e);
                }
                if (frame.length > 65535) {
                    throw new AssertionError("frame of " + frame.length + " bytes");
                }
                received.writeBytes(frame);
            }
        }
    }

    /**
     * An engine that reads input only when the test says so ({@link #request(long)}). Optionally it
     * throws at start, or throws while processing a chunk (after writing {@code writeBeforeFailing}).
     */
    static final class ControlledEngine implements ReplEngine {
        final List<byte[]> received = new CopyOnWriteArrayList<>();
        final List<Integer> receivedAtInterrupt = new CopyOnWriteArrayList<>();
        volatile EngineContext context;
        volatile boolean subscribeAtStart = true;
        volatile RuntimeException failAtStart;
        volatile RuntimeException failOnInput;
        volatile String writeBeforeFailing;
        volatile String banner;
        volatile boolean inputCompleted;
        /** Whether it says when it is ready ({@link ReplEngine#reportsReady()}); the test calls context.ready(). */
        volatile boolean reportsReady;
        final AtomicInteger starts = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        private BaseSubscriber<byte[]> reader;

        @Override
        public void start(EngineContext ctx) {
            starts.incrementAndGet();
            context = ctx;
            if (banner != null) {
                write(banner);
            }
            if (failAtStart != null) {
                throw failAtStart;
            }
            if (subscribeAtStart) {
                subscribe();
            }
        }

        void subscribe() {
            reader = new BaseSubscriber<>() {
                @Override
                protected void hookOnSubscribe(Subscription s) {
                    // no demand until the test asks
                }

                @Override
                protected void hookOnNext(byte[] bytes) {
                    if (failOnInput != null) {
                        if (writeBeforeFailing != null) {
                            context.output().write(writeBeforeFailing.getBytes(StandardCharsets.UTF_8));
                        }
                        throw failOnInput;
                    }
                    received.add(bytes);
                }

                @Override
                protected void hookOnError(Throwable error) {
                    context.failed(error);
                }

                @Override
                protected void hookOnComplete() {
                    inputCompleted = true;
                }
            };
            context.input().subscribe(reader);
        }

        void request(long n) {
            reader.request(n);
        }

        @Override
        public boolean reportsReady() {
            return reportsReady;
        }

        void write(String s) {
            context.output().write(s.getBytes(StandardCharsets.UTF_8));
        }

        /** Everything received, as UTF-8 strings, one per chunk. */
        List<String> chunks() {
            List<String> out = new ArrayList<>();
            received.forEach(b -> out.add(new String(b, StandardCharsets.UTF_8)));
            return out;
        }

        @Override
        public void interrupt() {
            receivedAtInterrupt.add(received.size());
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }
    }

    /** Records session events. */
    static final class RecordingRecorder implements SessionRecorder {
        final List<Long> queued = new CopyOnWriteArrayList<>();
        final List<String> deactivated = new CopyOnWriteArrayList<>();
        final List<String> ended = new CopyOnWriteArrayList<>();
        final AtomicInteger paused = new AtomicInteger();
        final AtomicInteger enginesStarted = new AtomicInteger();
        /** What the sessions' taps saw: o:OUTPUT, i:INPUT, r:COLSxROWS, end:REASON, in order. */
        final List<String> tapped = new CopyOnWriteArrayList<>();
        final List<dev.webrepl.core.audit.SessionStart> starts = new CopyOnWriteArrayList<>();

        @Override
        public dev.webrepl.core.audit.SessionTap sessionTap(dev.webrepl.core.audit.SessionStart start) {
            starts.add(start);
            return new dev.webrepl.core.audit.SessionTap() {
                @Override
                public void output(byte[] utf8) {
                    tapped.add("o:" + new String(utf8, StandardCharsets.UTF_8));
                }

                @Override
                public void input(byte[] bytes) {
                    tapped.add("i:" + new String(bytes, StandardCharsets.UTF_8));
                }

                @Override
                public void resized(dev.webrepl.core.engine.TerminalSize size) {
                    tapped.add("r:" + size.columns() + "x" + size.rows());
                }

                @Override
                public void ended(String reason) {
                    tapped.add("end:" + reason);
                }
            };
        }

        @Override
        public void engineStarted(String engine, java.time.Duration took) {
            enginesStarted.incrementAndGet();
        }

        @Override
        public void inputQueued(long bytes) {
            queued.add(bytes);
        }

        @Override
        public void terminalDeactivated(String cause) {
            deactivated.add(cause);
        }

        @Override
        public void producerPaused() {
            paused.incrementAndGet();
        }

        @Override
        public void sessionEnded(String engine, String reason, java.time.Duration lifetime) {
            ended.add(reason);
        }

        long maxQueued() {
            return queued.stream().mapToLong(Long::longValue).max().orElse(0);
        }
    }

    /** A producer that records pause and resume. */
    static final class PausableRecorder implements Pausable {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void pause() {
            events.add("pause");
        }

        @Override
        public void resume() {
            events.add("resume");
        }
    }

    /** A registry of controlled engines on virtual time, with a recorder. */
    static final class Harness implements AutoCloseable {
        final List<ControlledEngine> engines = new CopyOnWriteArrayList<>();
        final RecordingRecorder recorder = new RecordingRecorder();
        final VirtualTimeScheduler timers = VirtualTimeScheduler.create();
        final SessionRegistry registry;
        volatile Consumer<ControlledEngine> engineSetup = e -> { };

        Harness(SessionConfig config) {
            this(config, new SecureRandom());
        }

        Harness(SessionConfig config, SecureRandom random) {
            registry = new SessionRegistry(() -> {
                ControlledEngine e = new ControlledEngine();
                engineSetup.accept(e);
                engines.add(e);
                return e;
            }, random, config, timers, recorder);
        }

        /** A new session with {@code port} as its first terminal. */
        Slot open(FakePort port) throws SessionException {
            // The port learns its slot before any output is polled: attach replays nothing for a new session.
            return port.attached(registry.open(port));
        }

        Slot attach(Slot any, TerminalMode mode, FakePort port) throws SessionException {
            return port.attached(registry.attach(any.session().id(), mode, port));
        }

        ControlledEngine engine() {
            return engines.get(engines.size() - 1);
        }

        @Override
        public void close() {
            registry.close();
            timers.dispose();
        }
    }
}
