package dev.webrepl.metrics.audit;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The one JSON writer of recordings and the audit log: a value (maps, lists, strings, numbers,
 * null) as one line of UTF-8 JSON, with jackson-jr, as the admin endpoints write theirs. Null
 * values are written (an audit line without a user says {@code "user":null}).
 */
final class JsonLines {
    private static final JSON WRITER = JSON.std.with(JSON.Feature.WRITE_NULL_PROPERTIES);

    private JsonLines() {
    }

    /** {@code value} as JSON, then {@code \n}. */
    static byte[] line(Object value) {
        try {
            return (WRITER.asString(value) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            // Only our own maps and lists of strings and numbers come here: a failure is a bug.
            throw new UncheckedIOException(e);
        }
    }
}
