package dev.webrepl.dupterm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ScrollbackTest {
    /** The model: everything written, of which the scrollback keeps the last {@code capacity} bytes. */
    private static byte[] lastBytes(ByteArrayOutputStream all, int capacity) {
        byte[] b = all.toByteArray();
        return Arrays.copyOfRange(b, Math.max(0, b.length - capacity), b.length);
    }

    @Test
    void keepsExactlyTheLastBytesOverRandomWritesOfEverySize() {
        long seed = Long.getLong("webrepl.test.seed", 20261125L);
        Random random = new Random(seed);
        for (int capacity : new int[] {1, 7, 64, 1000}) {
            Scrollback scrollback = new Scrollback(capacity);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int i = 0; i < 2000; i++) {
                // ASCII only, so the snapshot's UTF-8 boundary rule drops nothing.
                byte[] chunk = new byte[random.nextInt(random.nextBoolean() ? 8 : 2 * capacity + 2)];
                for (int j = 0; j < chunk.length; j++) {
                    chunk[j] = (byte) ('a' + random.nextInt(26));
                }
                scrollback.add(chunk);
                all.writeBytes(chunk);
                assertArrayEquals(lastBytes(all, capacity), scrollback.snapshot(),
                        "capacity " + capacity + ", write " + i + ", seed " + seed);
            }
        }
    }

    @Test
    void snapshotStartsAtACharacterBoundary() {
        Scrollback scrollback = new Scrollback(4);
        scrollback.add("x\u00e9\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8)); // x C3 A9 C3 A9
        // The last 4 bytes are C3 A9 C3 A9: whole characters, nothing dropped.
        assertArrayEquals("\u00e9\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8), scrollback.snapshot());
        scrollback.add("y".getBytes(java.nio.charset.StandardCharsets.UTF_8)); // A9 C3 A9 y: the lone A9 goes
        assertArrayEquals("\u00e9y".getBytes(java.nio.charset.StandardCharsets.UTF_8), scrollback.snapshot());
    }

    @Test
    void zeroCapacityKeepsNothing() {
        Scrollback scrollback = new Scrollback(0);
        scrollback.add(new byte[] {1, 2, 3});
        assertArrayEquals(new byte[0], scrollback.snapshot());
    }
}
