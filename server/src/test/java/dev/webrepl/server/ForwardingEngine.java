package dev.webrepl.server;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.ReplEngine;

/** A test engine that passes everything to another engine; subclasses change what they test. */
abstract class ForwardingEngine implements ReplEngine {
    protected final ReplEngine engine;

    ForwardingEngine(ReplEngine engine) {
        this.engine = engine;
    }

    @Override
    public String kind() {
        return engine.kind();
    }

    @Override
    public boolean reportsReady() {
        return engine.reportsReady();
    }

    @Override
    public void start(EngineContext context) throws Exception {
        engine.start(context);
    }

    @Override
    public void interrupt() {
        engine.interrupt();
    }

    @Override
    public void resize(int columns, int rows) {
        engine.resize(columns, rows);
    }

    @Override
    public void close() {
        engine.close();
    }
}
