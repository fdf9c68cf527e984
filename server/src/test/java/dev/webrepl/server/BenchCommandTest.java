package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void transferBenchmarkPrintsOneRowPerConfigurationAndVerifiesTheBytes() throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cl = WebReplMain.commandLine();
        cl.setOut(new PrintWriter(out, true));
        int exit = cl.execute("bench", "transfer", "--size-mb", "1", "--rounds", "1",
                "--get-chunks", "256,65533", "--put-frames", "65535", "--dir", dir.toString());

        assertEquals(0, exit, out.toString());
        List<String> rows = out.toString().lines().filter(l -> l.startsWith("| GET") || l.startsWith("| PUT")).toList();
        assertEquals(4, rows.size(), out.toString());
        assertTrue(rows.get(0).startsWith("| GET | standard | GET chunk 256 (reference) |"), rows.get(0));
        assertTrue(rows.get(1).startsWith("| GET | standard | GET chunk 65533 |"), rows.get(1));
        assertTrue(rows.get(2).startsWith("| PUT | legacy (webrepl_cli wire), 1024-byte frames |"), rows.get(2));
        assertTrue(rows.get(3).startsWith("| PUT | standard, 65535-byte frames |"), rows.get(3));
        assertEquals(-1, Files.mismatch(dir.resolve("source.bin"), dir.resolve("root/put.bin")));
        assertEquals(1_000_000, Files.size(dir.resolve("got.bin")));
    }

    @Test
    void metricsBenchmarkPrintsARowWithNumbersForMetricsOffAndOn() {
        StringWriter out = new StringWriter();
        CommandLine cl = WebReplMain.commandLine();
        cl.setOut(new PrintWriter(out, true));
        int exit = cl.execute("bench", "metrics", "--keys", "30", "--warmup", "10", "--rounds", "1",
                "--flood-bytes", "200000", "--concurrent", "3");

        assertEquals(0, exit, out.toString());
        String number = " [0-9]+\\.[0-9] \\|";
        String latencies = number.repeat(4);
        String throughput = number + " [0-9]+\\.[0-9]–[0-9]+\\.[0-9] \\|";
        List<String> lines = out.toString().lines().toList();
        // One session: latencies and MB/s; then the three sessions typing at once: latencies only.
        for (String side : List.of("off", "on")) {
            assertEquals(1, count(lines, "\\| " + side + " \\|" + latencies + throughput), out.toString());
            assertEquals(1, count(lines, "\\| " + side + " \\|" + latencies + " [0-9]+ \\|"), out.toString());
        }
        assertEquals(2, lines.stream().filter(l -> l.startsWith("| on − off |")).count(), out.toString());
        assertTrue(out.toString().contains(Runtime.getRuntime().availableProcessors() + " cores, JDK "), out.toString());
    }

    private static long count(List<String> lines, String regex) {
        return lines.stream().filter(l -> l.matches(regex)).count();
    }
}
