package dev.webrepl.core.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server whose JVM names files in ASCII (started without a UTF-8 locale; {@code ./webrepl} sets one):
 * a name it cannot encode is refused with 84, not a crash of the connection (1011), and the libc
 * calls and NIO name the same bytes for the rest (review of issue #15.1).
 */
class FileStoreLocaleTest {
    @TempDir
    Path tmp;

    @Test
    void aNameTheJvmCannotEncodeIsRefusedWith84() throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LocaleProbe.class.getName(),
                tmp.resolve("root").toString()));
        pb.environment().keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_"));
        pb.environment().put("LC_ALL", "C");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("ANSI_X3.4-1968 84 DIRECTORY", out);
    }
}
