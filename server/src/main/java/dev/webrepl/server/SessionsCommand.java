package dev.webrepl.server;

import dev.webrepl.transport.client.ListedSession;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code webrepl sessions HOST[:PORT]}: the server's sessions as a table (SESSIONS, PROTOCOL.md §10). */
@Command(name = "sessions", mixinStandardHelpOptions = true, description = {
        "Lists the sessions on a WebREPL server that the password may attach to, oldest first: id, engine, "
                + "age, terminals (read-write, + viewers).",
        "Attach to one with: webrepl repl HOST[:PORT]/session/ID (or --view to watch it)."})
final class SessionsCommand implements Callable<Integer> {
    static final String SESSIONS = "sessions";

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]", description = "The server (port 8266 by default).")
    String target;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            RemoteTarget remote = RemoteTarget.parse(target, false);
            List<ListedSession> sessions = options.withConnection(remote, c -> {
                Extensions.require(c, remote, SESSIONS, List.of(SESSIONS));
                return c.sessions().join();
            });
            // The session this command opened to ask is not one anybody would attach to; it ends as we leave.
            List<ListedSession> others = sessions.stream().filter(s -> !s.current()).toList();
            table(others, Instant.now()).forEach(out::println);
            out.flush();
            return 0;
        } catch (Exception e) {
            return CliFailure.of(e, target).report(spec.commandLine().getErr());
        }
    }

    /** The header and one line a session, columns padded to their widest value; ages from {@code now}. */
    static List<String> table(List<ListedSession> sessions, Instant now) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "ENGINE", "AGE", "TERMINALS"});
        for (ListedSession s : sessions) {
            rows.add(new String[] {s.id(), LsCommand.printable(s.engine()), age(Duration.between(s.created(), now)),
                    (s.viewers() == 0 ? String.valueOf(s.terminals()) : s.terminals() + " + " + s.viewers()
                            + (s.viewers() == 1 ? " viewer" : " viewers")) + (s.hibernated() ? " (hibernated)" : "")});
        }
        int[] widths = new int[4];
        for (String[] r : rows) {
            for (int i = 0; i < 3; i++) {
                widths[i] = Math.max(widths[i], r[i].length());
            }
        }
        List<String> lines = new ArrayList<>();
        for (String[] r : rows) {
            lines.add(String.format("%-" + widths[0] + "s  %-" + widths[1] + "s  %-" + widths[2] + "s  %s",
                    (Object[]) r));
        }
        return lines;
    }

    /** {@code 42 s}, {@code 3 min}, {@code 2 h 5 min}, {@code 3 days}; a future time (clock skew) is 0 s. */
    static String age(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + " s";
        }
        long min = s / 60;
        if (min < 60) {
            return min + " min";
        }
        long h = min / 60;
        if (h < 48) {
            return h + " h" + (min % 60 == 0 ? "" : " " + (min % 60) + " min");
        }
        return h / 24 + " days";
    }
}
