package dev.webrepl.dupterm;

/**
 * The transport side of one terminal. Both calls may come from any thread and must not block: they
 * hand work to the connection's own thread.
 */
public interface SlotPort {
    /** Output is waiting in {@link Slot#poll()}; drain it at the client's pace. */
    void outputAvailable();

    /** Write what {@link Slot#poll()} still has, then close with this WebSocket close code and reason. */
    void close(int code, String reason);
}
