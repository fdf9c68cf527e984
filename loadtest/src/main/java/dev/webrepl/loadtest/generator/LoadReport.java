package dev.webrepl.loadtest.generator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The outcome of a run, as {@code report.json} holds it: the plan (without the password), start and
 * end, session counts, requests and answers per scenario, latency percentiles, the per-second
 * series and the errors by kind. {@link #data()} is that document, in order.
 */
public final class LoadReport {
    /** The percentiles of the latency-percentiles chart. */
    static final double[] PERCENTILES = {0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100};

    private final Map<String, Object> data;
    private final boolean clean;
    private final String summary;

    private LoadReport(Map<String, Object> data, boolean clean, String summary) {
        this.data = data;
        this.clean = clean;
        this.summary = summary;
    }

    static LoadReport of(LoadPlan plan, Instant start, Instant end, Recorder r, List<ViewerGroup> groups,
                         long unfinished) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("tool", "webrepl bench");
        d.put("plan", plan(plan));
        d.put("start", start.toString());
        d.put("end", end.toString());
        d.put("seconds", Duration.between(start, end).toMillis() / 1e3);

        Map<String, Object> sessions = new LinkedHashMap<>();
        sessions.put("target", plan.connections());
        sessions.put("attempted", r.attempted());
        sessions.put("opened", r.openedCount());
        sessions.put("failed", r.failedCount());
        sessions.put("lost", r.lost());
        sessions.put("aborted", r.abortedCount());
        sessions.put("unfinished", unfinished);
        sessions.put("bySource", r.bySource());
        d.put("sessions", sessions);

        Map<String, Object> scenarios = new LinkedHashMap<>();
        long requests = 0;
        long responses = 0;
        for (Scenario s : Scenario.values()) {
            Recorder.Counts c = r.counts(s);
            if (c.sessions.sum() == 0) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sessions", c.sessions.sum());
            m.put("requests", c.requests.sum());
            m.put("responses", c.responses.sum());
            m.put("bytesSent", c.bytesSent.sum());
            m.put("bytesReceived", c.bytesReceived.sum());
            m.put("fileBytes", c.fileBytes.sum());
            requests += c.requests.sum();
            responses += c.responses.sum();
            scenarios.put(s.id(), m);
        }
        d.put("scenarios", scenarios);
        d.put("requests", requests);
        d.put("responses", responses);

        Histogram h = r.total();
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("unit", "microseconds");
        latency.put("correctedForCoordinatedOmission", plan.scenario() == Scenario.TYPING
                || plan.scenario() == Scenario.VIEWERS || plan.mix().containsKey(Scenario.TYPING)
                && plan.scenario() == Scenario.MIXED);
        latency.put("count", h.getTotalCount());
        boolean any = h.getTotalCount() > 0;
        latency.put("p50", any ? h.getValueAtPercentile(50) / 1e3 : 0);
        latency.put("p90", any ? h.getValueAtPercentile(90) / 1e3 : 0);
        latency.put("p99", any ? h.getValueAtPercentile(99) / 1e3 : 0);
        latency.put("p99.9", any ? h.getValueAtPercentile(99.9) / 1e3 : 0);
        latency.put("max", any ? h.getMaxValue() / 1e3 : 0);
        latency.put("mean", any ? Math.round(h.getMean()) / 1e3 : 0);
        List<List<Double>> distribution = new ArrayList<>();
        if (any) {
            for (double p : PERCENTILES) {
                distribution.add(List.of(p, (p == 100 ? h.getMaxValue() : h.getValueAtPercentile(p)) / 1e3));
            }
        }
        latency.put("percentiles", distribution);
        d.put("latency", latency);

        String hibernation = "";
        if (plan.engineHint() == EngineHint.JSHELL) {
            Histogram restores = r.restores();
            boolean restored = restores.getTotalCount() > 0;
            Map<String, Object> hib = new LinkedHashMap<>();
            hib.put("restores", restores.getTotalCount());
            hib.put("restoreP50Millis", restored ? restores.getValueAtPercentile(50) / 1e6 : 0);
            hib.put("restoreP99Millis", restored ? restores.getValueAtPercentile(99) / 1e6 : 0);
            hib.put("restoreMaxMillis", restored ? restores.getMaxValue() / 1e6 : 0);
            hib.put("hibernatedAtEnd", r.hibernatedAtEnd());
            hib.put("jshellSessionsAtEnd", r.listedAtEnd());
            d.put("hibernation", hib);
            hibernation = String.format("; %d restores (p50 %s, p99 %s); %s hibernated at the end",
                    restores.getTotalCount(), restored ? Millis.of(restores.getValueAtPercentile(50) / 1e3) : "-",
                    restored ? Millis.of(restores.getValueAtPercentile(99) / 1e3) : "-",
                    r.hibernatedAtEnd() < 0 ? "? (no session list)"
                            : r.hibernatedAtEnd() + " of " + r.listedAtEnd() + " jshell sessions");
        }

        boolean viewersMatch = true;
        if (!groups.isEmpty()) {
            long attached = 0;
            long matching = 0;
            long expected = 0;
            long received = 0;
            for (ViewerGroup g : groups) {
                long w = g.writerBytes();
                for (long v : g.viewerBytes()) {
                    attached++;
                    expected += Math.max(0, w);
                    received += Math.max(0, v);
                    if (w >= 0 && v == w) {
                        matching++;
                    }
                }
            }
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("sessions", groups.size());
            v.put("viewersPerSession", plan.viewers());
            v.put("viewers", attached);
            v.put("viewersMatchingWriter", matching);
            v.put("expectedBytes", expected);
            v.put("receivedBytes", received);
            d.put("viewers", v);
            viewersMatch = matching == (long) groups.size() * plan.viewers();
        }

        List<Map<String, Object>> series = new ArrayList<>();
        for (Recorder.Second s : r.series()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("t", s.t());
            m.put("sessionsUp", s.sessionsUp());
            m.put("errors", s.errors());
            m.put("latencyCount", s.latencyCount());
            m.put("p50", s.p50Micros());
            m.put("p99", s.p99Micros());
            m.put("max", s.maxMicros());
            m.put("responsesPerSecond", s.responses());
            m.put("bytesPerSecond", s.bytes());
            series.add(m);
        }
        d.put("series", series);
        Map<String, Long> errors = r.errors();
        d.put("errors", errors);

        boolean clean = r.failedCount() == 0 && r.lost() == 0 && r.abortedCount() == 0 && unfinished == 0
                && errors.isEmpty() && requests == responses && viewersMatch
                && r.openedCount() == plan.connections();
        String summary = String.format("%s: %d/%d sessions opened, %d failed, %d lost; %d requests, %d answers;"
                        + " latency p50 %s, p99 %s, max %s; %d errors",
                plan.scenario().id(), r.openedCount(), r.attempted(), r.failedCount(), r.lost(), requests, responses,
                any ? Millis.of(h.getValueAtPercentile(50) / 1e3) : "-", any ? Millis.of(h.getValueAtPercentile(99) / 1e3) : "-",
                any ? Millis.of(h.getMaxValue() / 1e3) : "-",
                errors.values().stream().mapToLong(Long::longValue).sum()) + hibernation;
        return new LoadReport(d, clean, summary);
    }

    private static Map<String, Object> plan(LoadPlan p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", p.scenario().id());
        m.put("target", p.target().toString());
        m.put("sessions", p.sessions());
        if (p.scenario() == Scenario.VIEWERS) {
            m.put("viewers", p.viewers());
            m.put("writer", p.writer().id());
        }
        m.put("rampUpSeconds", p.rampUp().toMillis() / 1e3);
        m.put("durationSeconds", p.duration().toMillis() / 1e3);
        m.put("rate", p.rate());
        m.put("thinkSeconds", p.think().toMillis() / 1e3);
        m.put("lineLength", p.lineLength());
        m.put("size", p.size());
        if (p.scenario() == Scenario.MIXED) {
            Map<String, Object> mix = new LinkedHashMap<>();
            for (Scenario s : Scenario.values()) {
                if (p.mix().containsKey(s)) {
                    mix.put(s.id(), p.mix().get(s));
                }
            }
            m.put("mix", mix);
        }
        m.put("engineHint", p.engineHint().id());
        m.put("sources", p.sources() == null ? null : p.sources().toString());
        m.put("maxConnections", p.maxConnections());
        m.put("requestTimeoutSeconds", p.requestTimeout().toMillis() / 1e3);
        return m;
    }

    /** The report document, as written to {@code report.json}. */
    public Map<String, Object> data() {
        return data;
    }

    /**
     * Whether the run was clean: every session opened, none lost or aborted, no errors, every request
     * answered, and every viewer saw what its writer saw.
     */
    public boolean clean() {
        return clean;
    }

    /** One line for the terminal. */
    public String summary() {
        return summary;
    }
}
