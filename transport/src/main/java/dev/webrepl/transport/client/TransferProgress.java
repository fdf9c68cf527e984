package dev.webrepl.transport.client;

/**
 * Told how far a file transfer has got. Called on the connection's event loop, so it must return
 * quickly; {@code done} never decreases.
 */
@FunctionalInterface
public interface TransferProgress {
    /** Total is not known in advance: a GET reply carries no file size (spec §4.4). */
    long UNKNOWN_TOTAL = -1;

    /** Ignores progress. */
    TransferProgress NONE = (done, total) -> { };

    /**
     * @param done  bytes transferred so far (PUT: written to the socket; GET: written to the local file)
     * @param total the file size, or {@link #UNKNOWN_TOTAL}
     */
    void update(long done, long total);
}
