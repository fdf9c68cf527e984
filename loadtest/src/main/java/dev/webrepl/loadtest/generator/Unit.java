package dev.webrepl.loadtest.generator;

import java.util.concurrent.CompletableFuture;

/** One independently started piece of load: a session, or a session with its viewers. */
interface Unit {
    /** Starts connecting; does not block. */
    void start();

    /** The duration is over: finish what is outstanding (bounded by the request timeout), then close. */
    void stop();

    /** Called about once a second: aborts what waited longer than the request timeout. */
    void watchdog(long now);

    /** Closes at once whatever is still open (the run's last resort). */
    void forceClose();

    /** Completes when every connection of the unit has closed or failed to open. */
    CompletableFuture<Void> finished();
}
