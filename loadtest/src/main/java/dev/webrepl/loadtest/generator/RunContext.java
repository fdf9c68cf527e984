package dev.webrepl.loadtest.generator;

import dev.webrepl.transport.client.WebReplClient;
import java.nio.file.Path;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every session of one run shares: the plan, the client (its event loops carry all the
 * connections), the recorder, one scheduler thread for timers, the instant the duration ends, and a
 * scratch directory for transfer files. All owned by {@link LoadGenerator}.
 */
record RunContext(LoadPlan plan, WebReplClient client, Recorder recorder, ScheduledExecutorService scheduler,
                  long stopAt, Path workDir) {
    /** Requests one session may send in a run: a bound on every loop, besides the deadline. */
    static final long MAX_REQUESTS_PER_SESSION = 10_000_000;
}
