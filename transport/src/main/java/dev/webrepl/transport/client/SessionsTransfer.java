package dev.webrepl.transport.client;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.webrepl.core.protocol.FileRequest;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * SESSIONS (PROTOCOL.md §10): {@code WB} + status; on 0 a JSON array in acknowledged chunks, exactly
 * as LIST sends its entries ({@link ChunkedReply}), then the final {@code WB}. Decoded once whole.
 */
final class SessionsTransfer extends FileExchange<List<ListedSession>> {
    /** Some hundred bytes a session: room for far more sessions than any server allows. */
    static final int MAX_LISTING = 16 << 20;

    private final ByteArrayOutputStream listing = new ByteArrayOutputStream();
    private final ChunkedReply chunks = new ChunkedReply(this::collect);

    SessionsTransfer(CompletableFuture<List<ListedSession>> result) {
        super("sessions", WireRequest.of(FileRequest.sessions()), result);
    }

    @Override
    public void onReply(ByteBuf in) {
        if (!ok(chunks.read(in, link()))) {
            return;
        }
        try {
            succeed(decode(listing.toByteArray()));
        } catch (IOException e) {
            // The exchange itself ended in step, so the connection stays usable.
            fail(new IOException(what() + ": " + e.getMessage(), e));
        }
    }

    private void collect(ByteBuf in, int n) {
        if (listing.size() + n > MAX_LISTING) {
            throw new IllegalStateException("a session list longer than " + MAX_LISTING + " bytes");
        }
        byte[] bytes = new byte[n];
        in.readBytes(bytes);
        listing.writeBytes(bytes);
    }

    /** The listing's sessions; fields this client does not know are skipped. */
    static List<ListedSession> decode(byte[] json) throws IOException {
        List<Object> array;
        try {
            array = JSON.std.listFrom(json);
        } catch (IOException | RuntimeException e) {
            throw new IOException("malformed session list: " + e.getMessage(), e);
        }
        List<ListedSession> sessions = new ArrayList<>(array.size());
        for (Object o : array) {
            if (!(o instanceof Map<?, ?> m)) {
                throw new IOException("malformed session list: an element is not an object");
            }
            sessions.add(new ListedSession(field(m, "id", String.class), field(m, "engine", String.class),
                    Instant.ofEpochMilli(field(m, "created", Number.class).longValue()),
                    field(m, "terminals", Number.class).intValue(), field(m, "viewers", Number.class).intValue(),
                    field(m, "current", Boolean.class), Boolean.TRUE.equals(m.get("hibernated"))));
        }
        return List.copyOf(sessions);
    }

    private static <T> T field(Map<?, ?> m, String name, Class<T> type) throws IOException {
        Object v = m.get(name);
        if (!type.isInstance(v)) {
            throw new IOException("malformed session list: \"" + name + "\" is " + (v == null ? "missing" : v));
        }
        return type.cast(v);
    }
}
