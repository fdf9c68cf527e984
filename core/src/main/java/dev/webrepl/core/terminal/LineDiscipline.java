package dev.webrepl.core.terminal;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.LineEvaluator;
import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.core.engine.TerminalOutput;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/**
 * A minimal line discipline for engines without a terminal: echo, backspace/DEL, Enter ({@code \r},
 * {@code \n} or {@code \r\n} as one), and Ctrl-C to cancel the line as readline does (spec §8:
 * {@code \r\n>>> }), in band or out of band ({@link #interrupt()}). Other control bytes are ignored.
 *
 * <p>As an engine it takes one input chunk at a time: the next is requested only when the last is
 * processed, so a slow evaluator holds input back all the way to TCP.
 */
public final class LineDiscipline implements ReplEngine {
    private static final byte CTRL_C = 0x03;
    private static final byte BACKSPACE = 0x08;
    private static final byte DEL = 0x7f;
    private static final byte[] ERASE = {'\b', ' ', '\b'};
    private static final byte[] NEWLINE = {'\r', '\n'};

    private final LineEvaluator evaluator;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private TerminalOutput output;
    private boolean lastWasCr;

    public LineDiscipline(LineEvaluator evaluator) {
        this.evaluator = evaluator;
    }

    @Override
    public void start(EngineContext context) {
        start(context.output());
        context.input().subscribe(new BaseSubscriber<byte[]>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                request(1);
            }

            @Override
            protected void hookOnNext(byte[] bytes) {
                try {
                    input(bytes);
                } catch (RuntimeException e) {
                    // Report first: the session reads a cancelled input as "stopped reading" otherwise.
                    context.failed(e);
                    cancel();
                    return;
                }
                request(1);
            }

            @Override
            protected void hookOnError(Throwable error) {
                context.failed(error);
            }
        });
    }

    /** Starts without a session: output goes to {@code output}, input comes through {@link #input(byte[])}. */
    public synchronized void start(TerminalOutput output) {
        this.output = output;
    }

    /** Ctrl-C out of band: the line is cancelled as if 0x03 had been typed. */
    @Override
    public void interrupt() {
        input(new byte[] {CTRL_C});
    }

    /** Processes terminal input bytes in order. */
    public synchronized void input(byte[] bytes) {
        ByteArrayOutputStream echo = new ByteArrayOutputStream();
        for (byte b : bytes) {
            boolean cr = b == '\r';
            if (b == '\n' && lastWasCr) {
                lastWasCr = false;
                continue;
            }
            lastWasCr = cr;
            if (b == '\r' || b == '\n') {
                echo.writeBytes(NEWLINE);
                flush(echo);
                String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                evaluator.evaluate(text, output);
                output.write(evaluator.prompt().getBytes(StandardCharsets.UTF_8));
            } else if (b == CTRL_C) {
                line.reset();
                echo.writeBytes(NEWLINE);
                echo.writeBytes(evaluator.prompt().getBytes(StandardCharsets.UTF_8));
            } else if (b == BACKSPACE || b == DEL) {
                if (eraseLastCharacter()) {
                    echo.writeBytes(ERASE);
                }
            } else if ((b & 0xFF) >= 0x20) {
                line.write(b);
                echo.write(b);
            }
        }
        flush(echo);
    }

    /** Removes the last UTF-8 character of the line: its lead byte and any continuation bytes. */
    private boolean eraseLastCharacter() {
        byte[] bytes = line.toByteArray();
        int end = bytes.length;
        if (end == 0) {
            return false;
        }
        int start = end - 1;
        while (start > 0 && end - start < 4 && (bytes[start] & 0xC0) == 0x80) {
            start--;
        }
        int lead = bytes[start] & 0xFF;
        int length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (start + length != end) {
            // Not one whole character (a stray or cut-short byte, shown as one U+FFFD): erase one byte.
            start = end - 1;
        }
        line.reset();
        line.write(bytes, 0, start);
        return true;
    }

    private void flush(ByteArrayOutputStream echo) {
        if (echo.size() > 0) {
            output.write(echo.toByteArray());
            echo.reset();
        }
    }

    @Override
    public void close() {
        evaluator.close();
    }
}
