package dev.webrepl.transport.server;

import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The threads a server's connections run on, split by what a step may do, so that a step stuck in
 * one place never holds up the steps of others (issue 15.6): a gone peer's detach (terminal input
 * itself is taken on the connection's event loop), the password stage on a pool of its own (a hash costs ~100 ms; starting a session's engine may take
 * longer), and file operations, which may block in the kernel, through {@link FileSteps}.
 */
final class ConnectionWorkers {
    /** File steps of one address running at once; the pool's cap is far above it (README "Security"). */
    static final int FILE_STEPS_PER_ADDRESS = 8;
    static final int FILE_THREADS = 1024;

    final Scheduler steps;
    final Scheduler logins;
    final FileSteps files;

    ConnectionWorkers() {
        int size = Math.max(4, 4 * Runtime.getRuntime().availableProcessors());
        this.steps = Schedulers.newBoundedElastic(size, Integer.MAX_VALUE, "webrepl-worker", 60, true);
        this.logins = Schedulers.newBoundedElastic(size, Integer.MAX_VALUE, "webrepl-login", 60, true);
        this.files = new FileSteps(FILE_THREADS, FILE_STEPS_PER_ADDRESS, "webrepl-files");
    }

    void dispose() {
        steps.dispose();
        logins.dispose();
        files.dispose();
    }
}
