package dev.webrepl.dupterm;

import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.core.engine.TerminalOutput;
import dev.webrepl.core.protocol.WebReplConnection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * One REPL engine and the terminals attached to it (DESIGN "Sessions and terminals"). Output goes
 * whole to every attached terminal; input from every terminal goes to the engine in arrival order.
 * The session ends when its last terminal leaves.
 */
public final class Session {
    private final String id;
    private final ReplEngine engine;
    private final Consumer<Session> onEnd;
    private final List<TerminalOutput> terminals = new CopyOnWriteArrayList<>();
    private boolean started;
    private boolean ended;

    Session(String id, ReplEngine engine, Consumer<Session> onEnd) {
        this.id = id;
        this.engine = engine;
        this.onEnd = onEnd;
    }

    public String id() {
        return id;
    }

    /** Attaches a terminal; the engine starts with the first one. */
    public synchronized WebReplConnection.Terminal attach(TerminalOutput client) {
        if (ended) {
            throw new IllegalStateException("session " + id + " has ended");
        }
        terminals.add(client);
        if (!started) {
            started = true;
            engine.start(this::fanOut);
        }
        return new WebReplConnection.Terminal() {
            @Override
            public void input(byte[] bytes) {
                Session.this.input(bytes);
            }

            @Override
            public void close() {
                detach(client);
            }
        };
    }

    private synchronized void input(byte[] bytes) {
        if (!ended) {
            engine.input(bytes);
        }
    }

    private void fanOut(byte[] bytes) {
        for (TerminalOutput t : terminals) {
            t.write(bytes);
        }
    }

    private synchronized void detach(TerminalOutput client) {
        terminals.remove(client);
        if (terminals.isEmpty()) {
            end();
        }
    }

    /** Closes the engine and forgets the terminals. Idempotent. */
    public synchronized void end() {
        if (ended) {
            return;
        }
        ended = true;
        terminals.clear();
        engine.close();
        onEnd.accept(this);
    }

    public synchronized boolean ended() {
        return ended;
    }
}
