package dev.webrepl.transport.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.core.files.FileStatus;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.process.ProcessEngine;
import dev.webrepl.engines.process.ProcessEngineConfig;
import dev.webrepl.transport.client.FileTransferException;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.conformance.ServerTestBase;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The RESIZE extension end to end: client, file channel, session, pty (PROTOCOL.md §7). */
class ProcessResizeTest extends ServerTestBase {
    @Override
    protected SessionRegistry newRegistry() {
        ProcessEngineConfig config = new ProcessEngineConfig(List.of("/bin/sh"), Map.of("PATH", "/usr/bin:/bin"),
                root, 80, 24, Duration.ofSeconds(1));
        return new SessionRegistry(() -> new ProcessEngine(config), new SecureRandom(),
                SessionConfig.DEFAULTS.withIdleTimeout(Duration.ZERO));
    }

    @Test
    void aResizeFromTheClientReachesTheProgramInThePty() throws Exception {
        try (WebReplClient client = WebReplClient.newClient();
             ReplConnection c = client.connect("127.0.0.1", server.port(), PASSWORD).get(30, TimeUnit.SECONDS)) {
            StringBuilder seen = new StringBuilder();
            CompletableFuture<Void> resized = new CompletableFuture<>();
            c.output().subscribe(b -> {
                synchronized (seen) {
                    seen.append(new String(b, StandardCharsets.UTF_8));
                    // Not "\n43 132": when the shell starts late, the pty echoes the line before the
                    // shell's first prompt, and the answer then follows that prompt ("# 43 132").
                    if (seen.indexOf("43 132\r\n") >= 0) {
                        resized.complete(null);
                    }
                }
            });
            c.resize(132, 43).get(30, TimeUnit.SECONDS);
            c.send("stty size\r");
            resized.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aViewerCannotResize() throws Exception {
        try (WebReplClient client = WebReplClient.newClient();
             ReplConnection owner = client.connect("127.0.0.1", server.port(), PASSWORD).get(30, TimeUnit.SECONDS)) {
            // The session line names the session; the login answer alone may come before it exists.
            CompletableFuture<String> id = new CompletableFuture<>();
            StringBuilder seen = new StringBuilder();
            owner.output().subscribe(b -> {
                seen.append(new String(b, StandardCharsets.UTF_8));
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("/session/([A-Za-z0-9_-]{22})").matcher(seen);
                if (m.find()) {
                    id.complete(m.group(1));
                }
            });
            try (ReplConnection viewer = client.connectPath("127.0.0.1", server.port(),
                            "/session/" + id.get(30, TimeUnit.SECONDS) + "?mode=view")
                    .thenCompose(v -> v.login(PASSWORD).thenApply(x -> v)).get(30, TimeUnit.SECONDS)) {
                ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                        () -> viewer.resize(100, 30).get(30, TimeUnit.SECONDS));
                assertEquals(FileStatus.PERMISSION_DENIED, ((FileTransferException) e.getCause()).status());
            }
        }
    }
}
