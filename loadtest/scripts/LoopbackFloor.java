import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * BENCHMARKS.md "Keystroke latency": the floor this machine sets for one key. A bare TCP echo on
 * loopback (plain blocking java.net sockets, one thread each side, TCP_NODELAY, no WebSocket, no
 * server logic) with the typing run's pacing: one byte, its echo awaited, keys 100 ms apart in lines
 * of 20 with 1 s after each line. Warmed up first with 20,000 back-to-back round trips, so the JIT is
 * not what it measures: what is left is two wake-ups of idle threads and the loopback stack.
 * Usage: java loadtest/scripts/LoopbackFloor.java [KEYS=600]
 */
public final class LoopbackFloor {
    public static void main(String[] args) throws Exception {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread echo = new Thread(() -> {
                try (Socket s = listener.accept()) {
                    s.setTcpNoDelay(true);
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    for (int b = in.read(); b >= 0; b = in.read()) {
                        out.write(b);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "echo");
            echo.start();
            try (Socket c = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                c.setTcpNoDelay(true);
                InputStream in = c.getInputStream();
                OutputStream out = c.getOutputStream();
                for (int i = 0; i < 20_000; i++) {
                    roundTrip(in, out);
                }
                long[] micros = new long[keys];
                for (int i = 0; i < keys; i++) {
                    TimeUnit.MILLISECONDS.sleep(i % 20 == 0 && i > 0 ? 1000 : 100);
                    micros[i] = roundTrip(in, out) / 1000;
                }
                Arrays.sort(micros);
                System.out.printf("bare loopback echo, %d keys 100 ms apart: p50 %d µs, p99 %d µs, p99.9 %d µs, max %d µs%n",
                        keys, micros[keys / 2], micros[(int) (keys * 0.99)], micros[(int) (keys * 0.999)],
                        micros[keys - 1]);
            }
            echo.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    private static long roundTrip(InputStream in, OutputStream out) throws Exception {
        long start = System.nanoTime();
        out.write('k');
        if (in.read() != 'k') {
            throw new IllegalStateException("echo lost");
        }
        return System.nanoTime() - start;
    }
}
