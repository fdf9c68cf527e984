package dev.webrepl.core.protocol;

/** No terminal can be opened for this connection (a limit, an unknown session); told to the client. */
public final class TerminalRefusedException extends Exception {
    private final int closeCode;

    /**
     * @param closeCode the WebSocket close code to end the connection with
     * @param message   one line for the client
     */
    public TerminalRefusedException(int closeCode, String message) {
        super(message);
        this.closeCode = closeCode;
    }

    public int closeCode() {
        return closeCode;
    }
}
