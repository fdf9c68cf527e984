package dev.webrepl.engines.micropython;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Sinks;

class InputRelayTest {
    private final Sinks.Many<byte[]> session = Sinks.many().unicast().onBackpressureBuffer();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final InputRelay relay = new InputRelay();

    InputRelayTest() {
        relay.start(session.asFlux().doOnRequest(requested::addAndGet).doOnCancel(() -> cancelled.set(true)));
    }

    /** A child's writer: requests one chunk at a time, as the pty writer does, when told to. */
    static final class Child extends BaseSubscriber<byte[]> {
        final List<String> got = new ArrayList<>();

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
        }

        @Override
        protected void hookOnNext(byte[] bytes) {
            got.add(new String(bytes, StandardCharsets.US_ASCII));
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aChildsDemandIsTheSessionsAndItsCancelOnlyDetachesIt() {
        InputRelay.View first = relay.next(null);
        Child one = new Child();
        first.flux().subscribe(one);
        one.request(1);
        assertEquals(1, requested.get());
        session.tryEmitNext(b("1+1\r"));
        assertEquals(List.of("1+1\r"), one.got);
        assertTrue(first.hadInput());
        one.request(1);
        one.cancel();
        assertFalse(cancelled.get());
        // Requested by the child that ended, arriving between two children: kept for the next one.
        session.tryEmitNext(b("late"));
        assertEquals(List.of("1+1\r"), one.got);
        InputRelay.View second = relay.next(b("\u0001"));
        Child two = new Child();
        second.flux().subscribe(two);
        two.request(1);
        assertEquals(List.of("\u0001"), two.got);
        assertFalse(second.hadInput(), "its first chunk is the engine's, not input");
        two.request(1);
        assertEquals(List.of("\u0001", "late"), two.got);
        assertTrue(second.hadInput());
        assertEquals(2, requested.get(), "nothing asked of the session beyond what children wanted");
        two.request(1);
        assertEquals(3, requested.get());
    }
}
