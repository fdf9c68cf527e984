package dev.webrepl.metrics.audit;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How sessions are recorded (README "Recordings"). Immutable; change with the {@code with...} methods.
 *
 * @param dir        where the {@code .cast} files go (created 0700 if missing)
 * @param input      whether terminal input is recorded too ({@code "i"} events), not only output
 * @param maxBytes   the most a recording file may hold: at the cap a last marker event is written
 *                   and the session is recorded no further (the file, marker included, never exceeds it)
 * @param queueBytes event bytes waiting for the writer at most, all sessions together; past it events
 *                   are dropped (counted, and a marker event says how many) rather than ever making a
 *                   session wait for the disk
 */
public record RecordingOptions(Path dir, boolean input, long maxBytes, long queueBytes) {
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;
    public static final long DEFAULT_QUEUE_BYTES = 4L * 1024 * 1024;
    /** Room for the header and the cap marker. */
    public static final long MIN_MAX_BYTES = 1024;

    public RecordingOptions {
        Objects.requireNonNull(dir, "dir");
        if (maxBytes < MIN_MAX_BYTES) {
            throw new IllegalArgumentException("a recording's maximum must be at least " + MIN_MAX_BYTES + " bytes");
        }
        if (queueBytes < 1) {
            throw new IllegalArgumentException("the recording queue must hold at least one byte");
        }
    }

    /** Output only, the default cap and queue. */
    public static RecordingOptions of(Path dir) {
        return new RecordingOptions(dir, false, DEFAULT_MAX_BYTES, DEFAULT_QUEUE_BYTES);
    }

    public RecordingOptions withInput(boolean record) {
        return new RecordingOptions(dir, record, maxBytes, queueBytes);
    }

    public RecordingOptions withMaxBytes(long bytes) {
        return new RecordingOptions(dir, input, bytes, queueBytes);
    }

    public RecordingOptions withQueueBytes(long bytes) {
        return new RecordingOptions(dir, input, maxBytes, bytes);
    }
}
