package dev.webrepl.loadtest.generator;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a load run does, fixed before it starts. {@link #check()} refuses plans that would
 * load a machine other than this one without {@code allowRemote}, or that exceed the connection cap.
 *
 * @param sessions       sessions started over {@code rampUp}; with {@link Scenario#VIEWERS} each also
 *                       gets {@code viewers} read-only terminals
 * @param writer         with {@link Scenario#VIEWERS}, what the watched session does: {@link Scenario#TYPING}
 *                       or {@link Scenario#FLOOD}
 * @param rate           keys per second per typing session
 * @param think          pause after each typed line
 * @param size           bytes per PUT or GET, and per flood command
 * @param mix            weights of a {@link Scenario#MIXED} run
 * @param sources        local addresses to connect from, round-robin; null lets the OS choose
 * @param maxConnections a run that would open more connections than this is refused
 * @param lineLength     keys typed per line before Enter
 * @param requestTimeout an answer later than this aborts its session (error {@code timeout})
 * @param drainTimeout   how long outstanding answers are awaited once the duration is over
 */
public record LoadPlan(Scenario scenario, URI target, String password, int sessions, int viewers, Scenario writer,
                       Duration rampUp, Duration duration, double rate, Duration think, long size,
                       Map<Scenario, Integer> mix, EngineHint engineHint, SourceRange sources,
                       boolean allowRemote, int maxConnections, int lineLength,
                       Duration requestTimeout, Duration drainTimeout) {
    public static final String DEFAULT_MIX = "idle=50,typing=40,put=5,get=5";

    public LoadPlan {
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(password, "password");
        mix = Map.copyOf(mix);
        if (writer != Scenario.TYPING && writer != Scenario.FLOOD) {
            throw new IllegalArgumentException("a watched session types or floods, not " + writer.id());
        }
    }

    /** A plan with the defaults of {@code webrepl bench}; change it with the {@code with...} methods. */
    public static LoadPlan of(Scenario scenario, URI target, String password) {
        return new LoadPlan(scenario, target, password, 10, 3, Scenario.TYPING, Duration.ofSeconds(5),
                Duration.ofSeconds(30), 5, Duration.ofSeconds(1), 65536, parseMix(DEFAULT_MIX), EngineHint.ECHO, null,
                false, 10_000, 20, Duration.ofSeconds(10), Duration.ofSeconds(10));
    }

    public LoadPlan withSessions(int n) {
        return new LoadPlan(scenario, target, password, n, viewers, writer, rampUp, duration, rate, think,
                size, mix, engineHint, sources, allowRemote, maxConnections, lineLength, requestTimeout, drainTimeout);
    }

    public LoadPlan withViewers(int n) {
        return new LoadPlan(scenario, target, password, sessions, n, writer, rampUp, duration, rate, think,
                size, mix, engineHint, sources, allowRemote, maxConnections, lineLength, requestTimeout, drainTimeout);
    }

    /** With {@link Scenario#VIEWERS}: the watched session types ({@link Scenario#TYPING}) or floods. */
    public LoadPlan withWriter(Scenario w) {
        return new LoadPlan(scenario, target, password, sessions, viewers, w, rampUp, duration, rate, think,
                size, mix, engineHint, sources, allowRemote, maxConnections, lineLength, requestTimeout, drainTimeout);
    }

    public LoadPlan withTiming(Duration rampUp, Duration duration) {
        return new LoadPlan(scenario, target, password, sessions, viewers, writer, rampUp, duration, rate, think,
                size, mix, engineHint, sources, allowRemote, maxConnections, lineLength, requestTimeout, drainTimeout);
    }

    public LoadPlan withTyping(double rate, Duration think) {
        return new LoadPlan(scenario, target, password, sessions, viewers, writer, rampUp, duration, rate, think,
                size, mix, engineHint, sources, allowRemote, maxConnections, lineLength, requestTimeout, drainTimeout);
    }

    public LoadPlan withSize(long bytes) {
        return new LoadPlan(scenario, target, password, sessions, viewers, writer, rampUp, duration, rate, think,
                bytes, mix, engineHint, sources, allowRemote, maxConnections, lineLength, requestTimeout, drainTimeout);
    }

    public LoadPlan withMix(Map<Scenario, Integer> weights) {
        return new LoadPlan(scenario, target, password, sessions, viewers, writer, rampUp, duration, rate, think,
                size, weights, engineHint, sources, allowRemote, maxConnections, lineLength, requestTimeout, drainTimeout);
    }

    public LoadPlan withEngineHint(EngineHint hint) {
        return new LoadPlan(scenario, target, password, sessions, viewers, writer, rampUp, duration, rate, think,
                size, mix, hint, sources, allowRemote, maxConnections, lineLength, requestTimeout, drainTimeout);
    }

    public LoadPlan withSources(SourceRange range) {
        return new LoadPlan(scenario, target, password, sessions, viewers, writer, rampUp, duration, rate, think,
                size, mix, engineHint, range, allowRemote, maxConnections, lineLength, requestTimeout, drainTimeout);
    }

    public LoadPlan withAllowRemote(boolean allow) {
        return new LoadPlan(scenario, target, password, sessions, viewers, writer, rampUp, duration, rate, think,
                size, mix, engineHint, sources, allow, maxConnections, lineLength, requestTimeout, drainTimeout);
    }

    public LoadPlan withMaxConnections(int max) {
        return new LoadPlan(scenario, target, password, sessions, viewers, writer, rampUp, duration, rate, think,
                size, mix, engineHint, sources, allowRemote, max, lineLength, requestTimeout, drainTimeout);
    }

    public LoadPlan withTimeouts(Duration request, Duration drain) {
        return new LoadPlan(scenario, target, password, sessions, viewers, writer, rampUp, duration, rate, think,
                size, mix, engineHint, sources, allowRemote, maxConnections, lineLength, request, drain);
    }

    /** {@code idle=50,typing=40,put=5,get=5}: positive weights of mixable scenarios. */
    public static Map<Scenario, Integer> parseMix(String text) {
        Map<Scenario, Integer> weights = new LinkedHashMap<>();
        for (String part : text.split(",")) {
            String[] kv = part.split("=", -1);
            if (kv.length != 2) {
                throw new IllegalArgumentException("not a mix: " + text + " (e.g. " + DEFAULT_MIX + ")");
            }
            Scenario s = Scenario.of(kv[0]);
            if (!s.mixable()) {
                throw new IllegalArgumentException(s.id() + " cannot be part of a mix");
            }
            int w;
            try {
                w = Integer.parseInt(kv[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a weight: " + part, e);
            }
            if (w < 0 || weights.put(s, w) != null) {
                throw new IllegalArgumentException("each scenario once, with a weight >= 0: " + text);
            }
        }
        if (weights.values().stream().mapToInt(Integer::intValue).sum() == 0) {
            throw new IllegalArgumentException("a mix needs a positive weight: " + text);
        }
        return weights;
    }

    /** Whether the target is {@code wss://}: connections use TLS. */
    public boolean secure() {
        return "wss".equals(target.getScheme());
    }

    /** The target's host as a name or address to connect to: an IPv6 literal without the URL's brackets. */
    public String host() {
        String h = target.getHost();
        return h != null && h.length() > 1 && h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    public int port() {
        return target.getPort() < 0 ? 8266 : target.getPort();
    }

    /** Connections the run opens at most: sessions, plus their viewers. */
    public long connections() {
        return (long) sessions * (scenario == Scenario.VIEWERS ? 1 + viewers : 1);
    }

    /**
     * Which scenario session {@code i} runs: the plan's own, or for a mixed run a smooth weighted
     * round-robin over the mix, so every prefix of the sessions follows the weights as closely as
     * whole sessions can. Deterministic.
     */
    public List<Scenario> assignment() {
        List<Scenario> out = new ArrayList<>(sessions);
        if (scenario != Scenario.MIXED) {
            for (int i = 0; i < sessions; i++) {
                out.add(scenario);
            }
            return out;
        }
        List<Scenario> order = Arrays.stream(Scenario.values()).filter(mix::containsKey).toList();
        int total = order.stream().mapToInt(mix::get).sum();
        long[] current = new long[order.size()];
        for (int i = 0; i < sessions; i++) {
            int best = 0;
            for (int k = 0; k < order.size(); k++) {
                current[k] += mix.get(order.get(k));
                if (current[k] > current[best]) {
                    best = k;
                }
            }
            current[best] -= total;
            out.add(order.get(best));
        }
        return out;
    }

    /** Refuses a plan that cannot or must not run; the message says why. */
    public void check() {
        String scheme = target.getScheme();
        if (!("ws".equals(scheme) || "wss".equals(scheme)) || target.getHost() == null) {
            throw new IllegalArgumentException("the target is a ws:// or wss:// URL, e.g. ws://127.0.0.1:8266/: " + target);
        }
        if (target.getRawPath() != null && !target.getRawPath().isEmpty() && !target.getRawPath().equals("/")) {
            throw new IllegalArgumentException("the target is a server's root URL (path /): " + target);
        }
        if (!allowRemote) {
            InetAddress[] all;
            try {
                all = InetAddress.getAllByName(host());
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("cannot resolve the target " + host(), e);
            }
            for (InetAddress a : all) {
                if (!a.isLoopbackAddress()) {
                    throw new IllegalArgumentException("the target " + host() + " (" + a.getHostAddress()
                            + ") is not a loopback address; pass --allow-remote to load another machine");
                }
            }
            if (sources != null && !sources.allLoopback()) {
                throw new IllegalArgumentException("the source range " + sources
                        + " is not loopback; pass --allow-remote to use it");
            }
        }
        positive("--sessions", sessions);
        if (scenario == Scenario.VIEWERS) {
            positive("--viewers", viewers);
        }
        positive("--max-connections", maxConnections);
        if (connections() > maxConnections) {
            throw new IllegalArgumentException("the plan opens " + connections() + " connections, over --max-connections "
                    + maxConnections);
        }
        if (!(rate > 0) || rate > 10_000) {
            throw new IllegalArgumentException("--rate is 0 < keys/s <= 10000, got " + rate);
        }
        if (size < 1 || size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--size is 1.." + Integer.MAX_VALUE + " bytes, got " + size);
        }
        if (duration.isZero() || duration.isNegative() || rampUp.isNegative() || think.isNegative()) {
            throw new IllegalArgumentException("--duration must be positive, --ramp-up and --think not negative");
        }
        positive("line length", lineLength);
    }

    private static void positive(String what, long n) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + n);
        }
    }
}
