package dev.webrepl.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * nginx in the foreground on 127.0.0.1, with a site configuration (an http-block snippet such as
 * {@code deploy/nginx/webrepl.conf}) whose public {@code listen} line is replaced by a free loopback
 * port. Everything nginx writes (pid, temp files) stays in the given directory; its log goes to
 * this JVM's copy of its stderr. Without an nginx binary the calling test is skipped, or fails
 * under {@value #REQUIRE_PROPERTY}{@code =true} (as CI runs it). {@link #close()} stops it.
 */
final class NginxProxy implements AutoCloseable {
    /** System property: {@code true} turns "no nginx here" from a skip into a failure. */
    static final String REQUIRE_PROPERTY = "webrepl.requireNginx";
    private static final long START_SECONDS = 20;
    private static final long STOP_SECONDS = 10;
    private static final int BIND_ATTEMPTS = 3;

    private final Process process;
    private final Thread logReader;
    private final StringBuilder log;
    private final int port;

    private NginxProxy(Process process, Thread logReader, StringBuilder log, int port) {
        this.process = process;
        this.logReader = logReader;
        this.log = log;
        this.port = port;
    }

    /** The nginx binary on the PATH or in /usr/sbin, or skips (fails) the calling test. */
    static Path requireBinary() {
        Optional<Path> found = Stream.concat(
                        Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).filter(d -> !d.isEmpty()),
                        Stream.of("/usr/sbin", "/usr/local/sbin"))
                .map(d -> Path.of(d, "nginx"))
                .filter(Files::isExecutable)
                .findFirst();
        if (found.isEmpty()) {
            String message = "nginx not found on the PATH or in /usr/sbin (Debian: apt-get install nginx)";
            if (Boolean.getBoolean(REQUIRE_PROPERTY)) {
                Assertions.fail(message + "; -D" + REQUIRE_PROPERTY + "=true requires it");
            }
            Assumptions.abort(message);
        }
        return found.get();
    }

    /**
     * Starts nginx with {@code site} included in its http block, {@code publicListen} (e.g.
     * {@code "listen 8080;"}) replaced by a listen on a free 127.0.0.1 port; returns once nginx
     * has started its worker (it logs so after binding).
     */
    static NginxProxy start(Path nginx, Path dir, String site, String publicListen) throws IOException {
        if (!site.contains(publicListen)) {
            throw new IllegalArgumentException("the site configuration has no \"" + publicListen + "\"");
        }
        // When the test runs as root, nginx's worker runs as nobody: it must be able to enter the directory.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path temp = Files.createDirectories(dir.resolve("temp"));
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        IllegalStateException failures = new IllegalStateException("nginx did not start");
        for (int attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
            // A port the system just handed out and we released; another process may take it in between,
            // hence the retry.
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            Files.writeString(dir.resolve("site.conf"),
                    site.replace(publicListen, "listen 127.0.0.1:" + port + ";"), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("nginx.conf"), mainConfig(dir, temp), StandardCharsets.UTF_8);
            try {
                return launch(nginx, dir, port);
            } catch (IllegalStateException e) {
                failures.addSuppressed(e);
            }
        }
        throw failures;
    }

    private static String mainConfig(Path dir, Path temp) {
        return String.join("\n",
                "daemon off;",
                "worker_processes 1;",
                "pid " + dir.resolve("nginx.pid") + ";",
                "error_log stderr notice;",
                "events { worker_connections 256; }",
                "http {",
                "    access_log off;",
                "    client_body_temp_path " + temp.resolve("client_body") + ";",
                "    proxy_temp_path " + temp.resolve("proxy") + ";",
                "    fastcgi_temp_path " + temp.resolve("fastcgi") + ";",
                "    uwsgi_temp_path " + temp.resolve("uwsgi") + ";",
                "    scgi_temp_path " + temp.resolve("scgi") + ";",
                "    include " + dir.resolve("site.conf") + ";",
                "}",
                "");
    }

    private static NginxProxy launch(Path nginx, Path dir, int port) throws IOException {
        // -e stderr: nginx opens its default error log before reading the configuration otherwise.
        Process process = new ProcessBuilder(List.of(nginx.toString(), "-e", "stderr", "-p", dir + "/",
                "-c", dir.resolve("nginx.conf").toString()))
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        StringBuilder log = new StringBuilder();
        CompletableFuture<Void> started = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (log) {
                        log.append(line).append('\n');
                    }
                    if (line.contains("start worker process")) {
                        started.complete(null);
                    }
                }
            } catch (IOException e) {
                started.completeExceptionally(e);
            }
            started.completeExceptionally(new IllegalStateException("nginx's log ended"));
        }, "nginx-log");
        reader.setDaemon(true);
        reader.start();
        process.onExit().thenRun(() -> started.completeExceptionally(
                new IllegalStateException("nginx exited with status " + process.exitValue())));
        NginxProxy proxy = new NginxProxy(process, reader, log, port);
        try {
            started.get(START_SECONDS, TimeUnit.SECONDS);
            return proxy;
        } catch (ExecutionException | TimeoutException e) {
            proxy.close();
            throw new IllegalStateException("nginx did not start: " + e + "\n" + proxy.log(), e);
        } catch (InterruptedException e) {
            proxy.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The public listener's port on 127.0.0.1. */
    int port() {
        return port;
    }

    /** What nginx logged so far (for failure messages). */
    String log() {
        synchronized (log) {
            return log.toString();
        }
    }

    /** SIGTERM (nginx's fast shutdown), then, after a bound, SIGKILL to nginx and its worker. */
    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
                children.forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(STOP_SECONDS, TimeUnit.SECONDS);
            }
            for (ProcessHandle child : children) {
                child.onExit().get(STOP_SECONDS, TimeUnit.SECONDS);
            }
            logReader.join(TimeUnit.SECONDS.toMillis(STOP_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            children.forEach(ProcessHandle::destroyForcibly);
            throw new IllegalStateException("nginx's worker did not exit", e);
        }
    }

    /** Reads a file as UTF-8, for the site configuration. */
    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
