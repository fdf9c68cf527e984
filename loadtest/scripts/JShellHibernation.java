import dev.webrepl.transport.client.ListedSession;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * BENCHMARKS.md "JShell at scale": a client for a `webrepl serve` whose JShell sessions hibernate
 * (README "Hibernation"), run from the server jar: java -cp webrepl.jar JShellHibernation.java MODE ...
 *
 * hold PORT PASSWORD SESSIONS SNIPPETS PARALLEL [TOTAL]: opens SESSIONS sessions (PARALLEL at a time),
 *   types SNIPPETS snippets into each (each answered by the prompt), waits until SESSIONS lists TOTAL
 *   (default SESSIONS; more when several clients share the server) jshell sessions as hibernated,
 *   prints "hibernated N", then holds them until a line (or EOF) on stdin.
 * restore PORT PASSWORD SNIPPETS ROUNDS: one session with SNIPPETS snippets; ROUNDS times: waits until
 *   it is hibernated, types a comment and times Enter to prompt (the restore notice checked), then
 *   prints every time and p50/p99/max in ms.
 * Every wait is bounded (60 s for an answer, 10 min for the hibernations).
 */
public final class JShellHibernation {
    private static final String PROMPT = "jshell> ";
    private static final String RESTORED = "|  Restored after hibernation: ";

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        String password = args[2];
        try (WebReplClient client = WebReplClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(60)).build()) {
            if (args[0].equals("hold")) {
                int sessions = Integer.parseInt(args[3]);
                hold(client, port, password, sessions, Integer.parseInt(args[4]), Integer.parseInt(args[5]),
                        args.length > 6 ? Integer.parseInt(args[6]) : sessions);
            } else {
                restore(client, port, password, Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            }
        }
    }

    /** The i-th snippet: variables, methods, records, strings and lists in turn, each using the one before. */
    static String snippet(int i) {
        return switch (i % 5) {
            case 0 -> "int v" + i + " = " + i + ";";
            case 1 -> "int f" + i + "(int a) { return a + v" + (i - 1) + "; }";
            case 2 -> "record R" + i + "(int a, String b) { int twice() { return 2 * a; } }";
            case 3 -> "String s" + i + " = \"snippet \" + f" + (i - 2) + "(" + i + ");";
            default -> "var l" + i + " = new ArrayList<Integer>(List.of(" + i + ", v" + (i - 4) + "));";
        };
    }

    private static void hold(WebReplClient client, int port, String password, int sessions, int snippets,
                             int parallel, int total) throws Exception {
        List<Terminal> open = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
            Thread thread = new Thread(r);
            thread.setDaemon(true);   // a failed run ends with main
            return thread;
        });
        long begin = System.nanoTime();
        List<Future<?>> started = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            started.add(pool.submit(() -> {
                Terminal t = Terminal.open(client, port, password);
                open.add(t);
                for (int i = 0; i < snippets; i++) {
                    t.type(snippet(i));
                }
                return null;
            }));
        }
        for (Future<?> f : started) {
            f.get(10, TimeUnit.MINUTES);
        }
        pool.shutdown();
        System.out.printf("opened %d sessions with %d snippets each in %.1f s%n", open.size(), snippets,
                (System.nanoTime() - begin) / 1e9);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        long hibernated = 0;
        while (System.nanoTime() < deadline) {
            List<ListedSession> listed = open.get(0).connection.sessions().get(60, TimeUnit.SECONDS);
            hibernated = listed.stream().filter(l -> l.engine().equals("jshell") && l.hibernated()).count();
            if (hibernated >= total) {
                break;
            }
            Thread.sleep(500);
        }
        System.out.println("hibernated " + hibernated);
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        open.forEach(t -> t.connection.close());
    }

    private static void restore(WebReplClient client, int port, String password, int snippets, int rounds)
            throws Exception {
        Terminal t = Terminal.open(client, port, password);
        for (int i = 0; i < snippets; i++) {
            t.type(snippet(i));
        }
        List<Double> millis = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!t.connection.sessions().get(60, TimeUnit.SECONDS).stream().allMatch(ListedSession::hibernated)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("not hibernated after 2 min");
                }
                Thread.sleep(100);
            }
            long begin = System.nanoTime();
            String answer = t.type("// wake " + r);   // a comment: the restore and nothing else
            double ms = (System.nanoTime() - begin) / 1e6;
            String expected = RESTORED + snippets + " snippets replayed.";
            if (!answer.contains(expected)) {
                throw new IllegalStateException("no '" + expected + "' in " + answer);
            }
            millis.add(ms);
            System.out.printf("restore %d: %.1f ms%n", r + 1, ms);
        }
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        System.out.printf("restores %d: p50 %.0f ms, p99 %.0f ms, max %.0f ms%n", sorted.size(),
                percentile(sorted, 50), percentile(sorted, 99), sorted.get(sorted.size() - 1));
        t.connection.close();
    }

    /** Nearest-rank percentile. */
    static double percentile(List<Double> sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    /** One logged-in terminal; what it shows is kept only from the last line typed. */
    private static final class Terminal {
        final ReplConnection connection;
        private final StringBuilder seen = new StringBuilder();

        private Terminal(ReplConnection connection) {
            this.connection = connection;
            connection.output().subscribe(b -> {
                synchronized (seen) {
                    seen.append(new String(b, StandardCharsets.UTF_8));
                    seen.notifyAll();
                }
            });
        }

        static Terminal open(WebReplClient client, int port, String password) throws Exception {
            Terminal t = new Terminal(client.connect("127.0.0.1", port, password).get(60, TimeUnit.SECONDS));
            t.await();
            return t;
        }

        /** Types {@code line} and Enter; the output up to the prompt. */
        String type(String line) throws Exception {
            connection.send((line + "\r").getBytes(StandardCharsets.UTF_8)).get(60, TimeUnit.SECONDS);
            return await();
        }

        private String await() throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            synchronized (seen) {
                while (seen.length() < PROMPT.length() || !seen.substring(seen.length() - PROMPT.length()).equals(PROMPT)) {
                    long left = end - System.nanoTime();
                    if (left <= 0) {
                        // Said first, held a while: the script takes the server's thread dump meanwhile.
                        System.out.println("stuck: no prompt after '" + seen + "'");
                        System.out.flush();
                        Thread.sleep(30_000);
                        throw new IllegalStateException("no prompt after " + seen);
                    }
                    TimeUnit.NANOSECONDS.timedWait(seen, left);
                }
                String text = seen.toString();
                seen.setLength(0);
                return text;
            }
        }
    }
}
