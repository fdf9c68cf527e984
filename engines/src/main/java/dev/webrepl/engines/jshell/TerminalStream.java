package dev.webrepl.engines.jshell;

import dev.webrepl.core.engine.TerminalOutput;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * The user code's {@code System.out} and {@code System.err}: bytes go to the current terminal at once,
 * with a bare {@code \n} turned into {@code \r\n} (a terminal needs both). Before an evaluator takes
 * the instance (while the pool warms it) output is discarded.
 */
final class TerminalStream extends OutputStream {
    private static final TerminalOutput DISCARD = bytes -> { };

    private volatile TerminalOutput target = DISCARD;
    private boolean afterCr;

    void target(TerminalOutput output) {
        target = output;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
        byte[] out = new byte[length * 2];
        int n = 0;
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b == '\n' && !afterCr) {
                out[n++] = '\r';
            }
            out[n++] = b;
            afterCr = b == '\r';
        }
        if (n > 0) {
            target.write(Arrays.copyOf(out, n));
        }
    }
}
