package dev.webrepl.server;

import dev.webrepl.metrics.AdminToken;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * A running node's admin listener, as {@code drain} and {@code undrain} name it: its URL and the
 * token it may require. Sends what the listener asks of a state-changing request (README "Security"):
 * {@code X-Webrepl-Admin: 1}, and {@code Authorization: Bearer TOKEN} with {@code --admin-token-file}.
 */
final class AdminTarget {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Parameters(index = "0", arity = "0..1", paramLabel = "ADMIN_URL", defaultValue = "http://127.0.0.1:8267",
            description = "The node's admin listener (default: ${DEFAULT-VALUE}).")
    URI admin;

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "The node's admin token (the first line of FILE), when it was started with --admin-token-file.")
    Path tokenFile;

    /**
     * POSTs to {@code path} and prints the answer: 0 when it is {@code expected}, 1 for another status
     * (the listener's answer on stderr), 5 when the listener cannot be reached.
     */
    int post(CommandSpec spec, String path, int expected) throws InterruptedException {
        URI uri = admin.resolve(path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .header("X-Webrepl-Admin", "1")
                .POST(HttpRequest.BodyPublishers.noBody());
        if (tokenFile != null) {
            try {
                request.header("Authorization", "Bearer " + AdminToken.readFirstLine(tokenFile));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--admin-token-file: " + e.getMessage());
            }
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        try {
            HttpResponse<String> res = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != expected) {
                spec.commandLine().getErr().printf("webrepl: %s answered %d: %s%n", uri, res.statusCode(), res.body());
                return 1;
            }
            spec.commandLine().getOut().println(res.body());
            spec.commandLine().getOut().flush();
            return 0;
        } catch (ConnectException e) {
            spec.commandLine().getErr().printf("webrepl: %s: connection refused%n", uri);
            return 5;
        } catch (IOException e) {
            spec.commandLine().getErr().printf("webrepl: %s: %s%n", uri, e.getMessage());
            return 5;
        }
    }
}
