package dev.webrepl.dupterm;

import dev.webrepl.core.audit.SessionStart;
import dev.webrepl.core.audit.SessionTap;
import java.time.Duration;
import java.util.List;

/** Several {@link SessionRecorder}s as one (meters, recordings, the audit log), each told in order. */
public final class SessionRecorders {
    private SessionRecorders() {
    }

    /** The recorders given, without the {@link SessionRecorder#NONE}s; NONE when none is left. */
    public static SessionRecorder of(SessionRecorder... recorders) {
        List<SessionRecorder> all = java.util.Arrays.stream(recorders).filter(r -> r != SessionRecorder.NONE).toList();
        if (all.isEmpty()) {
            return SessionRecorder.NONE;
        }
        if (all.size() == 1) {
            return all.get(0);
        }
        return new SessionRecorder() {
            @Override
            public void evaluated(Duration took) {
                all.forEach(r -> r.evaluated(took));
            }

            @Override
            public void hibernated() {
                all.forEach(SessionRecorder::hibernated);
            }

            @Override
            public void restored(Duration took) {
                all.forEach(r -> r.restored(took));
            }

            @Override
            public SessionTap sessionTap(SessionStart start) {
                SessionTap tap = SessionTap.NONE;
                for (SessionRecorder r : all) {
                    tap = SessionTap.both(tap, r.sessionTap(start));
                }
                return tap;
            }

            @Override
            public void sessionOpened(String engine) {
                all.forEach(r -> r.sessionOpened(engine));
            }

            @Override
            public void engineStarted(String engine, Duration took) {
                all.forEach(r -> r.engineStarted(engine, took));
            }

            @Override
            public void inputQueued(long bytes) {
                all.forEach(r -> r.inputQueued(bytes));
            }

            @Override
            public void terminalDeactivated(String cause) {
                all.forEach(r -> r.terminalDeactivated(cause));
            }

            @Override
            public void outputBacklog(long bytes) {
                all.forEach(r -> r.outputBacklog(bytes));
            }

            @Override
            public void producerPaused() {
                all.forEach(r -> r.producerPaused());
            }

            @Override
            public void sessionEnded(String engine, String reason, Duration lifetime) {
                all.forEach(r -> r.sessionEnded(engine, reason, lifetime));
            }
        };
    }
}
