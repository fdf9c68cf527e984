package dev.webrepl.transport.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on loopback for fault tests: it accepts one connection at a time, connects it to the
 * target, forwards both directions, and can cut the connection after an exact number of bytes in
 * one direction, closing both sides at once (with a FIN, or with an RST through {@code SO_LINGER 0}).
 *
 * <p>Each accepted connection takes the next {@link Cut} from {@link #nextConnection} in call
 * order; a connection with none planned is relayed untouched. A later client waits in the listen
 * backlog until the current connection is over. The proxy owns three threads (one accepting, two
 * pumping) and every socket; {@link #close()} closes the sockets, which ends the blocked reads, and
 * waits for the threads.
 */
public final class CuttingProxy implements AutoCloseable {
    /** Which bytes a cut counts. */
    public enum Direction { CLIENT_TO_SERVER, SERVER_TO_CLIENT }

    /** How both sides are closed at a cut. */
    public enum Close {
        /**
         * An orderly close: the peers read everything forwarded, then the end of the stream (except
         * that the kernel answers a peer whose sent bytes the proxy left unread with a reset).
         */
        FIN,
        /**
         * {@code SO_LINGER 0}: the peers get a reset; forwarded bytes not yet delivered, or still
         * unread in a peer's receive buffer, may be lost, as with any reset.
         */
        RST
    }

    /**
     * Forward exactly {@code afterBytes} bytes in {@code direction}, then close both sides.
     * {@link #NONE} relays the connection untouched.
     */
    public record Cut(Direction direction, long afterBytes, Close close) {
        public static final Cut NONE = new Cut(Direction.CLIENT_TO_SERVER, Long.MAX_VALUE, Close.FIN);

        public Cut {
            Objects.requireNonNull(direction);
            Objects.requireNonNull(close);
            if (afterBytes < 0) {
                throw new IllegalArgumentException("a cut after " + afterBytes + " bytes");
            }
        }

        public static Cut clientToServer(long afterBytes, Close close) {
            return new Cut(Direction.CLIENT_TO_SERVER, afterBytes, close);
        }

        public static Cut serverToClient(long afterBytes, Close close) {
            return new Cut(Direction.SERVER_TO_CLIENT, afterBytes, close);
        }
    }

    /** What one relayed connection carried, and whether the proxy cut it (rather than a peer closing it). */
    public record Relayed(long clientToServer, long serverToClient, boolean cut) {
    }

    private record Plan(Cut cut, CompletableFuture<Relayed> done) {
    }

    private static final int BUFFER = 16 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final ExecutorService threads;
    private final Future<?> acceptor;
    private final ArrayDeque<Plan> plans = new ArrayDeque<>();
    private Relay current;
    private boolean closed;

    private CuttingProxy(ServerSocket listener, InetSocketAddress target) {
        this.listener = listener;
        this.target = target;
        String name = "cutting-proxy-" + listener.getLocalPort();
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(3, r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.acceptor = threads.submit(this::acceptLoop);
    }

    /** A proxy on an ephemeral loopback port relaying to {@code targetPort} on loopback. */
    public static CuttingProxy start(int targetPort) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        ServerSocket listener = new ServerSocket(0, 50, loopback);
        return new CuttingProxy(listener, new InetSocketAddress(loopback, targetPort));
    }

    public int port() {
        return listener.getLocalPort();
    }

    /**
     * Plans the next connection not yet planned: it will suffer {@code cut}. The future completes
     * when that connection is over, both of its sockets closed.
     */
    public CompletableFuture<Relayed> nextConnection(Cut cut) {
        CompletableFuture<Relayed> done = new CompletableFuture<>();
        synchronized (this) {
            if (closed) {
                done.completeExceptionally(new IOException("the proxy is closed"));
            } else {
                plans.add(new Plan(Objects.requireNonNull(cut), done));
            }
        }
        return done;
    }

    private void acceptLoop() {
        while (true) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;  // closed
            }
            Plan plan;
            Relay relay;
            synchronized (this) {
                plan = plans.isEmpty() ? new Plan(Cut.NONE, new CompletableFuture<>()) : plans.poll();
                relay = new Relay(client, plan.cut());
                current = relay;
                if (closed) {
                    relay.closeBoth(false);
                }
            }
            try {
                plan.done().complete(relay.run(target));
            } catch (IOException | RuntimeException | ExecutionException e) {
                plan.done().completeExceptionally(e);
            } catch (InterruptedException e) {
                relay.closeBoth(false);
                plan.done().completeExceptionally(e);
                return;
            } finally {
                synchronized (this) {
                    current = null;
                }
            }
        }
    }

    /** One relayed connection: the client's socket, the server's, and a pump for each direction. */
    private final class Relay {
        private final Socket client;
        private final Socket server = new Socket();
        private final Cut cut;
        private final AtomicLong up = new AtomicLong();
        private final AtomicLong down = new AtomicLong();
        private volatile boolean wasCut;
        private boolean socketsClosed;

        Relay(Socket client, Cut cut) {
            this.client = client;
            this.cut = cut;
        }

        Relayed run(InetSocketAddress target) throws IOException, ExecutionException, InterruptedException {
            try {
                server.connect(target, CONNECT_TIMEOUT_MILLIS);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                Future<?> upPump;
                Future<?> downPump;
                try {
                    upPump = threads.submit(() -> pump(client, server, Direction.CLIENT_TO_SERVER, up));
                    downPump = threads.submit(() -> pump(server, client, Direction.SERVER_TO_CLIENT, down));
                } catch (java.util.concurrent.RejectedExecutionException closing) {
                    // close() came between the accept and the pumps: the connection simply ends now.
                    return new Relayed(up.get(), down.get(), wasCut);
                }
                upPump.get();
                downPump.get();
            } finally {
                closeBoth(false);
            }
            return new Relayed(up.get(), down.get(), wasCut);
        }

        private void pump(Socket from, Socket to, Direction direction, AtomicLong count) {
            long limit = cut.direction() == direction ? cut.afterBytes() : Long.MAX_VALUE;
            byte[] buf = new byte[BUFFER];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                while (true) {
                    int want = (int) Math.min(buf.length, limit - count.get());
                    if (want == 0) {
                        wasCut = true;
                        closeBoth(cut.close() == Close.RST);
                        return;
                    }
                    int n = in.read(buf, 0, want);
                    if (n < 0) {
                        // The peer finished sending: pass the FIN on and let the other direction run out.
                        to.shutdownOutput();
                        return;
                    }
                    // Counted before it is written: once the other side has the bytes, the count shows them.
                    count.addAndGet(n);
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // A reset, or the sockets closed by a cut or by close(): the relay is over both ways.
                closeBoth(false);
            }
        }

        synchronized void closeBoth(boolean reset) {
            if (socketsClosed) {
                return;
            }
            socketsClosed = true;
            for (Socket s : new Socket[] {client, server}) {
                try {
                    if (reset && s.isConnected()) {
                        s.setSoLinger(true, 0);
                    }
                } catch (SocketException ignored) {
                    // already closed by the peer's reset: it closes without lingering anyway
                }
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing is all we wanted
                }
            }
        }
    }

    /** Closes the listener and the current connection, fails the plans never used, and waits for the threads. */
    @Override
    public void close() {
        Relay relay;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            relay = current;
            for (Plan p; (p = plans.poll()) != null; ) {
                p.done().completeExceptionally(new IOException("the proxy closed before this connection came"));
            }
        }
        try {
            listener.close();
        } catch (IOException ignored) {
            // the accept loop ends either way
        }
        if (relay != null) {
            relay.closeBoth(false);
        }
        threads.shutdown();
        try {
            acceptor.get(10, TimeUnit.SECONDS);
            if (!threads.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the proxy's threads did not end");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            threads.shutdownNow();
        } catch (ExecutionException | TimeoutException e) {
            threads.shutdownNow();
            throw new IllegalStateException("the proxy's accept loop did not end", e);
        }
    }
}
