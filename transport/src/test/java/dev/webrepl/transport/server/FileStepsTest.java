package dev.webrepl.transport.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The file steps of one address past its bound wait their turn, in order; other addresses do not wait. */
class FileStepsTest {
    private final FileSteps steps = new FileSteps(16, 2, "test-files");
    private final List<String> ran = new CopyOnWriteArrayList<>();

    @AfterEach
    void dispose() {
        steps.dispose();
    }

    /** A step that notes it ran, then blocks until {@code release} opens (as a FIFO open would). */
    private Runnable blocking(String name, CountDownLatch started, CountDownLatch release) {
        return () -> {
            ran.add(name);
            started.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    @Test
    void stepsPastTheBoundOfAnAddressWaitWhileAnotherAddressRunsAtOnce() throws Exception {
        InetAddress a = InetAddress.getByName("127.0.0.1");
        InetAddress b = InetAddress.getByName("127.0.0.2");
        CountDownLatch twoStarted = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        steps.submit(a, blocking("a1", twoStarted, release), () -> ran.add("rejected"));
        steps.submit(a, blocking("a2", twoStarted, release), () -> ran.add("rejected"));
        assertTrue(twoStarted.await(10, TimeUnit.SECONDS));
        CountDownLatch a3 = new CountDownLatch(1);
        steps.submit(a, () -> {
            ran.add("a3");
            a3.countDown();
        }, () -> ran.add("rejected"));
        CountDownLatch b1 = new CountDownLatch(1);
        steps.submit(b, () -> {
            ran.add("b1");
            b1.countDown();
        }, () -> ran.add("rejected"));

        assertTrue(b1.await(10, TimeUnit.SECONDS), "another address is not held up");
        assertEquals(2, steps.running(a));
        assertEquals(1, a3.getCount(), "the third step of a waits for a turn");

        release.countDown();
        assertTrue(a3.await(10, TimeUnit.SECONDS));
        assertEquals(java.util.Set.of("a1", "a2"), java.util.Set.copyOf(ran.subList(0, 2)));
        assertEquals(List.of("b1", "a3"), ran.subList(2, 4));
        assertEquals(4, ran.size());
    }

    @Test
    void aStepWaitingForItsTurnWhenThePoolGoesIsRejectedNotLost() throws Exception {
        InetAddress a = InetAddress.getByName("127.0.0.1");
        CountDownLatch twoStarted = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        steps.submit(a, blocking("a1", twoStarted, release), () -> ran.add("rejected a1"));
        steps.submit(a, blocking("a2", twoStarted, release), () -> ran.add("rejected a2"));
        assertTrue(twoStarted.await(10, TimeUnit.SECONDS));
        CountDownLatch a3 = new CountDownLatch(1);
        steps.submit(a, () -> ran.add("a3"), () -> {
            ran.add("rejected a3");
            a3.countDown();
        });

        steps.dispose();
        release.countDown();

        assertTrue(a3.await(10, TimeUnit.SECONDS), "its connection is told, so it does not wait for ever");
        // a4 may find a2 still finishing and wait for its turn: it is rejected then, on a2's thread.
        CountDownLatch a4 = new CountDownLatch(1);
        steps.submit(a, () -> ran.add("a4"), () -> {
            ran.add("rejected a4");
            a4.countDown();
        });
        assertTrue(a4.await(10, TimeUnit.SECONDS), "a step submitted after the pool went is rejected too");
        assertEquals(List.of("rejected a3", "rejected a4"), ran.subList(2, 4));
    }
}
