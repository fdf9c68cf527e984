package dev.webrepl.loadtest;

import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * A separate process that opens N logged-in sessions to a loopback server and holds them idle until
 * its standard input ends, so the server's heap can be measured without the clients' in it. Prints
 * {@code READY n} when all are open.
 *
 * <p>Usage: {@code IdleClients PORT PASSWORD COUNT [connect-only]}; with {@code connect-only} the
 * connections stay at the password prompt (no session), the transport's own cost.
 */
public final class IdleClients {
    private IdleClients() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int port = Integer.parseInt(args[0]);
        String password = args[1];
        int count = Integer.parseInt(args[2]);
        boolean connectOnly = args.length > 3 && args[3].equals("connect-only");
        Semaphore inFlight = new Semaphore(64);
        List<ReplConnection> open = java.util.Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<?>> all = new ArrayList<>();
        try (WebReplClient client = WebReplClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build()) {
            for (int i = 0; i < count; i++) {
                inFlight.acquire();
                CompletableFuture<ReplConnection> connecting = connectOnly
                        ? client.connect("127.0.0.1", port) : client.connect("127.0.0.1", port, password);
                all.add(connecting.whenComplete((c, e) -> {
                    inFlight.release();
                    if (c != null) {
                        c.output().subscribe(b -> { });
                        open.add(c);
                    } else {
                        System.err.println("connection failed: " + e);
                    }
                }));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
            System.out.println("READY " + open.size());
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold the sessions until the parent closes our standard input
            }
        }
    }
}
