package dev.webrepl.loadtest.generator;

import java.net.InetAddress;

/** {@code idle}: a session that is opened and held; it sends nothing. */
final class IdleWorker extends Worker {
    IdleWorker(RunContext ctx, InetAddress source) {
        super(ctx, Scenario.IDLE, source);
    }

    @Override
    void onReady() {
        // held until the run stops
    }
}
