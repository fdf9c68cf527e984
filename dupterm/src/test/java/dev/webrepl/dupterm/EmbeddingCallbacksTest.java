package dev.webrepl.dupterm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.Fakes.FakePort;
import dev.webrepl.dupterm.Fakes.Harness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The embedding API's callback slots: one per server for arrivals, one per terminal for input. */
class EmbeddingCallbacksTest {
    final Harness harness = new Harness(SessionConfig.DEFAULTS.withIdleTimeout(Duration.ZERO));

    @AfterEach
    void close() {
        harness.close();
    }

    /** Records the slots it is called with and the threads it runs on; counts down on each call. */
    static final class Recording implements Consumer<Slot> {
        final List<Slot> slots = new CopyOnWriteArrayList<>();
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger mostInside = new AtomicInteger();
        volatile CountDownLatch calls;

        Recording(int expected) {
            calls = new CountDownLatch(expected);
        }

        @Override
        public void accept(Slot slot) {
            int now = inside.incrementAndGet();
            mostInside.accumulateAndGet(now, Math::max);
            slots.add(slot);
            threads.add(Thread.currentThread());
            inside.decrementAndGet();
            calls.countDown();
        }

        void await() throws InterruptedException {
            assertTrue(calls.await(10, TimeUnit.SECONDS), "callback not called in time");
        }
    }

    @Test
    void theTerminalArrivedCallbackRunsForEveryAttachOffTheCallingThread() throws Exception {
        Recording arrived = new Recording(3);
        harness.registry.setTerminalArrivedCallback(arrived);

        Slot first = harness.open(new FakePort());
        Slot second = harness.attach(first, TerminalMode.VIEW, new FakePort());
        Slot other = harness.open(new FakePort());
        arrived.await();

        assertEquals(List.of(first, second, other).stream().map(Slot::session).map(Session::id).sorted().toList(),
                arrived.slots.stream().map(Slot::session).map(Session::id).sorted().toList());
        assertTrue(arrived.slots.containsAll(List.of(first, second, other)));
        arrived.threads.forEach(t -> assertNotEquals(Thread.currentThread(), t));
    }

    @Test
    void settingTheTerminalArrivedCallbackReplacesItAndNullClearsIt() throws Exception {
        Recording one = new Recording(1);
        Recording two = new Recording(1);
        Recording three = new Recording(1);
        harness.registry.setTerminalArrivedCallback(one);
        Slot first = harness.open(new FakePort());
        one.await();

        harness.registry.setTerminalArrivedCallback(two);
        Slot second = harness.attach(first, TerminalMode.READ_WRITE, new FakePort());
        two.await();
        harness.registry.setTerminalArrivedCallback(null);
        harness.attach(first, TerminalMode.READ_WRITE, new FakePort());
        harness.registry.setTerminalArrivedCallback(three);
        Slot fourth = harness.attach(first, TerminalMode.READ_WRITE, new FakePort());
        three.await();

        assertEquals(List.of(first), one.slots);
        assertEquals(List.of(second), two.slots);
        assertEquals(List.of(fourth), three.slots);
    }

    @Test
    void theDataAvailableCallbackRunsOncePerInputChunkOffTheCallingThreadNeverConcurrently() throws Exception {
        Slot slot = harness.open(new FakePort());
        Recording data = new Recording(2000);
        slot.setDataAvailableCallback(data);

        for (int i = 0; i < 2000; i++) {
            slot.offer(i + 1, new byte[] {'x'}).subscribe();
            harness.engine().request(1);
        }
        data.await();

        assertEquals(2000, data.slots.size());
        assertTrue(data.slots.stream().allMatch(s -> s == slot));
        assertEquals(1, data.mostInside.get(), "never two at once for the same terminal");
        data.threads.forEach(t -> assertNotEquals(Thread.currentThread(), t));
    }

    @Test
    void theDataAvailableCallbackIsNotCalledForAnEmptyChunk() throws Exception {
        Slot slot = harness.open(new FakePort());
        Recording data = new Recording(1);
        slot.setDataAvailableCallback(data);

        slot.offer(1, new byte[0]).subscribe();
        slot.offer(2, "x".getBytes(StandardCharsets.UTF_8)).subscribe();
        data.await();

        assertEquals(List.of(slot), data.slots);
    }

    @Test
    void settingTheDataAvailableCallbackReplacesItAndNullClearsIt() throws Exception {
        Slot slot = harness.open(new FakePort());
        Recording one = new Recording(1);
        Recording two = new Recording(1);
        Recording three = new Recording(1);
        harness.engine().request(Long.MAX_VALUE);

        slot.setDataAvailableCallback(one);
        slot.offer(1, "a".getBytes(StandardCharsets.UTF_8)).subscribe();
        one.await();
        slot.setDataAvailableCallback(two);
        slot.offer(2, "b".getBytes(StandardCharsets.UTF_8)).subscribe();
        two.await();
        slot.setDataAvailableCallback(null);
        slot.offer(3, "c".getBytes(StandardCharsets.UTF_8)).subscribe();
        slot.setDataAvailableCallback(three);
        slot.offer(4, "d".getBytes(StandardCharsets.UTF_8)).subscribe();
        three.await();

        // One worker per terminal runs its callbacks in order: by now every earlier call has run.
        assertEquals(1, one.slots.size());
        assertEquals(1, two.slots.size());
        assertEquals(1, three.slots.size());
        assertEquals(List.of("a", "b", "c", "d"), harness.engine().chunks());
    }
}
