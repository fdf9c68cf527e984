package dev.webrepl.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After each test class: collects garbage, lets Netty's detectors look at what was collected, and
 * fails if any buffer was leaked so far (auto-registered for every test class of this module).
 */
public final class LeakCheck implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) {
        for (int i = 0; i < 3; i++) {
            System.gc();
            // Detectors report collected leaks when the next buffer is tracked.
            for (ByteBuf b : new ByteBuf[] {
                    UnpooledByteBufAllocator.DEFAULT.directBuffer(1), UnpooledByteBufAllocator.DEFAULT.heapBuffer(1),
                    PooledByteBufAllocator.DEFAULT.directBuffer(1), PooledByteBufAllocator.DEFAULT.heapBuffer(1)}) {
                b.release();
            }
        }
        if (!LeakRecordingListener.LEAKS.isEmpty()) {
            String report = String.join("\n\n", LeakRecordingListener.LEAKS);
            LeakRecordingListener.LEAKS.clear();
            throw new AssertionError("Netty buffers leaked (seen after " + context.getDisplayName() + "):\n" + report);
        }
    }
}
