package dev.webrepl.server;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.EngineOutput;
import dev.webrepl.core.engine.EngineRecorder;
import dev.webrepl.core.engine.Pausable;
import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.core.engine.TerminalSize;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import reactor.core.publisher.Flux;

/**
 * A test engine that runs another engine and keeps a copy of the terminal input that engine was
 * given, in order: what a session's engine received, byte for byte.
 */
final class RecordingEngine extends ForwardingEngine {
    private final ByteArrayOutputStream input = new ByteArrayOutputStream();   // its methods are synchronized

    RecordingEngine(ReplEngine engine) {
        super(engine);
    }

    /** Every input byte the engine has taken so far. */
    byte[] input() {
        return input.toByteArray();
    }

    @Override
    public void start(EngineContext context) throws Exception {
        engine.start(new Recording(context));
    }

    /** The session's context, with its input copied on the way to the engine. */
    private final class Recording implements EngineContext {
        private final EngineContext context;

        Recording(EngineContext context) {
            this.context = context;
        }

        @Override
        public String sessionId() {
            return context.sessionId();
        }

        @Override
        public Path workingDirectory() {
            return context.workingDirectory();
        }

        @Override
        public TerminalSize terminalSize() {
            return context.terminalSize();
        }

        @Override
        public EngineRecorder recorder() {
            return context.recorder();
        }

        @Override
        public Flux<byte[]> input() {
            return context.input().doOnNext(input::writeBytes);
        }

        @Override
        public EngineOutput output() {
            return context.output();
        }

        @Override
        public void pausable(Pausable producer) {
            context.pausable(producer);
        }

        @Override
        public void exited(int status) {
            context.exited(status);
        }

        @Override
        public void failed(Throwable error) {
            context.failed(error);
        }
    }
}
