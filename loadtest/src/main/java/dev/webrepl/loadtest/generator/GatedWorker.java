package dev.webrepl.loadtest.generator;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

/**
 * A worker that drives its session ({@code typing}, {@code flood}) once a gate opens and counts the
 * output from then on. In a {@code viewers} group the gate is every viewer having attached, and the
 * count is what each viewer must also see; alone, the gate is open from the start.
 */
abstract class GatedWorker extends Worker {
    private final CompletableFuture<Void> gate;
    private final LongConsumer whenDrained;
    private boolean counting;
    private long countedBytes;

    /**
     * @param gate        the scenario begins only once it completes
     * @param whenDrained given the counted bytes when the worker has stopped with nothing outstanding,
     *                    instead of closing; null closes
     */
    GatedWorker(RunContext ctx, Scenario scenario, InetAddress source, CompletableFuture<Void> gate,
                LongConsumer whenDrained) {
        super(ctx, scenario, source);
        this.gate = gate;
        this.whenDrained = whenDrained;
    }

    /** The gate is open: start the scenario's loop. Lock held. */
    abstract void begin();

    /** Output after the session became ready. Lock held. */
    abstract void output(byte[] bytes, int from);

    @Override
    final void onReady() {
        gate.whenComplete((v, e) -> ctx.scheduler().execute(this::opened));
    }

    private synchronized void opened() {
        counting = true;
        begin();
    }

    @Override
    final void onOutput(byte[] bytes, int from) {
        if (counting) {
            countedBytes += bytes.length - from;
        }
        output(bytes, from);
    }

    /** Output bytes since the gate opened. Lock held. */
    final long countedBytes() {
        return countedBytes;
    }

    @Override
    final void drained() {
        if (whenDrained == null) {
            super.drained();
        } else {
            whenDrained.accept(countedBytes);
        }
    }
}
