package dev.webrepl.server;

import dev.webrepl.loadtest.generator.EngineHint;
import dev.webrepl.loadtest.generator.LoadGenerator;
import dev.webrepl.loadtest.generator.LoadPlan;
import dev.webrepl.loadtest.generator.LoadReport;
import dev.webrepl.loadtest.generator.ReportWriter;
import dev.webrepl.loadtest.generator.Scenario;
import dev.webrepl.loadtest.generator.SourceRange;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options of {@code webrepl bench} without a subcommand: the load generator against any
 * WebREPL server ({@link LoadGenerator}). Exit 0 for a clean run, 1 if any session failed, was lost
 * or aborted, or any error was counted; 2 for a usage error.
 */
final class LoadOptions {
    @Option(names = "--scenario", paramLabel = "NAME",
            description = "idle, typing, flood, put, get, viewers or mixed (see Scenarios above).")
    String scenario;

    @Option(names = "--target", paramLabel = "URL", defaultValue = "ws://127.0.0.1:8266/",
            description = "The server: its WebSocket URL, ws:// or wss://, or HOST[:PORT] as the other client "
                    + "commands take it (default: ${DEFAULT-VALUE}); loopback only unless --allow-remote.")
    String target;

    @Option(names = "--ca-cert", paramLabel = "FILE", description = "With a wss:// target: trust only the PEM "
            + "certificates in FILE (a CA, or the server's self-signed certificate) instead of the JDK's authorities.")
    Path caCert;

    @Option(names = {"-p", "--password"}, description = "The WebREPL password; else $" + ServeCommand.PASSWORD_ENV + ".")
    String password;

    @Option(names = "--sessions", paramLabel = "N", defaultValue = "10", description = "Sessions to open (default: ${DEFAULT-VALUE}).")
    int sessions;

    @Option(names = "--viewers", paramLabel = "M", defaultValue = "3",
            description = "viewers: read-only terminals attached to each session (default: ${DEFAULT-VALUE}).")
    int viewers;

    @Option(names = "--writer", paramLabel = "SCENARIO", defaultValue = "typing",
            description = "viewers: what each watched session does, typing or flood (default: ${DEFAULT-VALUE}).")
    String writer;

    @Option(names = "--ramp-up", paramLabel = "DURATION", defaultValue = "5s", converter = ServeCommand.DurationConverter.class,
            description = "Sessions start evenly over this time, e.g. 10s, 1m (default: ${DEFAULT-VALUE}).")
    Duration rampUp;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "30s", converter = ServeCommand.DurationConverter.class,
            description = "How long the load runs after the ramp-up (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--rate", paramLabel = "KEYS_PER_S", defaultValue = "5",
            description = "typing, viewers: keys per second per session (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--think", paramLabel = "DURATION", defaultValue = "1s", converter = ServeCommand.DurationConverter.class,
            description = "typing, viewers: pause after each line (default: ${DEFAULT-VALUE}).")
    Duration think;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "65536",
            description = "put, get: file size; flood: output bytes per command (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = "--mix", paramLabel = "WEIGHTS", defaultValue = LoadPlan.DEFAULT_MIX,
            description = "mixed: weights of idle, typing, flood, put, get (default: ${DEFAULT-VALUE}).")
    String mix;

    @Option(names = "--engine-hint", paramLabel = "ENGINE", defaultValue = "echo",
            description = "What the server runs, so typing and flood know what to send and which prompt ends an "
                    + "answer: echo, jshell, process or flood (serve --engine flood) (default: ${DEFAULT-VALUE}).")
    String engineHint;

    @Option(names = "--source", paramLabel = "RANGE",
            description = "Local addresses to connect from, round-robin, e.g. 127.0.0.2-127.0.0.9: more connections "
                    + "than one address's ephemeral ports.")
    String source;

    @Option(names = "--allow-remote", description = "Allow a non-loopback target and source addresses.")
    boolean allowRemote;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "10000",
            description = "Refuse a plan that opens more connections than this (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--request-timeout", paramLabel = "DURATION", defaultValue = "10s",
            converter = ServeCommand.DurationConverter.class,
            description = "Connect timeout, and the longest wait for an answer before its session is aborted (default: ${DEFAULT-VALUE}).")
    Duration requestTimeout;

    @Option(names = "--report", paramLabel = "DIR",
            description = "Write report.json and report.html (self-contained, with charts) into DIR.")
    Path report;

    @Option(names = "--progress", description = "Print a progress line every second on stderr (the default).")
    boolean progress;

    @Option(names = "--quiet", description = "No progress lines; only the summary.")
    boolean quiet;

    /** Runs the generator; the exit code. */
    int run(CommandSpec spec) throws IOException, InterruptedException {
        LoadPlan plan = plan(spec);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean terminal = System.console() != null;
        Consumer<String> lines = quiet && !progress ? null : line -> {
            // On a terminal the line is rewritten in place; in a log, one line a second.
            err.print(terminal ? "\r" + line : line + System.lineSeparator());
            err.flush();
        };
        LoadReport result;
        try {
            result = LoadGenerator.run(plan, caCert, lines);
        } catch (IllegalArgumentException e) {
            if (caCert == null) {
                throw e;
            }
            // The plan was checked already: what is left is an unreadable --ca-cert, found as the client is built.
            throw new ParameterException(spec.commandLine(), "--ca-cert: " + e.getMessage());
        }
        if (lines != null && terminal) {
            err.println();
        }
        out.println(result.summary());
        if (report != null) {
            Path html = new ReportWriter(LoadOptions.class.getClassLoader()).write(result, report);
            out.println("report: " + report.resolve("report.json") + ", " + html);
        }
        out.flush();
        return result.clean() ? 0 : 1;
    }

    LoadPlan plan(CommandSpec spec) {
        if (scenario == null) {
            throw new ParameterException(spec.commandLine(), "bench needs --scenario (idle, typing, flood, put, get, "
                    + "viewers, mixed) or a subcommand; see bench --help");
        }
        String pw = password != null ? password : System.getenv(ServeCommand.PASSWORD_ENV);
        if (pw == null) {
            throw new ParameterException(spec.commandLine(), "no password: use -p or $" + ServeCommand.PASSWORD_ENV);
        }
        try {
            // The same address forms as the other client commands (ws:// or wss:// URL, HOST[:PORT]).
            URI uri = target.matches("(?i)wss?://.*") ? new URI(target) : RemoteTarget.parse(target, false).serverUri();
            LoadPlan plan = LoadPlan.of(Scenario.of(scenario), uri, pw)
                    .withSessions(sessions).withViewers(viewers).withWriter(Scenario.of(writer))
                    .withTiming(rampUp, duration)
                    .withTyping(rate, think).withSize(size).withMix(LoadPlan.parseMix(mix))
                    .withEngineHint(EngineHint.of(engineHint))
                    .withSources(source == null ? null : SourceRange.parse(source))
                    .withAllowRemote(allowRemote).withMaxConnections(maxConnections)
                    .withTimeouts(requestTimeout, Duration.ofSeconds(Math.max(10, 2 * requestTimeout.toSeconds())));
            plan.check();
            if (caCert != null && !plan.secure()) {
                throw new ParameterException(spec.commandLine(), "--ca-cert needs a wss:// target");
            }
            return plan;
        } catch (URISyntaxException e) {
            throw new ParameterException(spec.commandLine(), "not a URL: " + target);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
