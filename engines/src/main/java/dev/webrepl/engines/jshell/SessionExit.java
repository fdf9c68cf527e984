package dev.webrepl.engines.jshell;

/**
 * Thrown instead of ending the JVM when user code of a LOCAL JShell session calls {@code System.exit},
 * {@code Runtime.exit} or {@code Runtime.halt}: the calls are rewritten to {@link #exit(int)} and
 * friends when the snippet's classes are loaded ({@link ExitTrappingExecutionControl}). The
 * evaluator sees this exception and ends only that session.
 */
public final class SessionExit extends RuntimeException {
    private final int status;

    SessionExit(int status) {
        super("exit(" + status + ")", null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** Replaces {@code System.exit(int)}. */
    public static void exit(int status) {
        throw new SessionExit(status);
    }

    /** Replaces {@code Runtime.exit(int)} (the receiver stays on the stack, hence the parameter). */
    public static void runtimeExit(Runtime runtime, int status) {
        throw new SessionExit(status);
    }

    /** Replaces {@code Runtime.halt(int)}. */
    public static void runtimeHalt(Runtime runtime, int status) {
        throw new SessionExit(status);
    }
}
