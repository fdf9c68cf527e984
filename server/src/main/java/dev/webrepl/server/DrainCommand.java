package dev.webrepl.server;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code webrepl drain [ADMIN_URL]}: asks a running node, through its admin listener's
 * {@code POST /drain}, to take no new sessions while its sessions carry on (README "Running several
 * nodes"). The node itself exits when drained only if it was started with {@code --exit-when-drained}.
 */
@Command(name = "drain", mixinStandardHelpOptions = true,
        description = "Makes a running server take no new sessions (its sessions carry on), via its admin listener.")
final class DrainCommand implements Callable<Integer> {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "ADMIN_URL", defaultValue = "http://127.0.0.1:8267",
            description = "The node's admin listener (default: ${DEFAULT-VALUE}).")
    URI admin;

    @Override
    public Integer call() throws InterruptedException {
        URI drain = admin.resolve("/drain");
        HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        try {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(drain).timeout(TIMEOUT)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 202) {
                spec.commandLine().getErr().printf("webrepl: %s answered %d: %s%n", drain, res.statusCode(), res.body());
                return 1;
            }
            spec.commandLine().getOut().println(res.body());
            spec.commandLine().getOut().flush();
            return 0;
        } catch (ConnectException e) {
            spec.commandLine().getErr().printf("webrepl: %s: connection refused%n", drain);
            return 5;
        } catch (IOException e) {
            spec.commandLine().getErr().printf("webrepl: %s: %s%n", drain, e.getMessage());
            return 5;
        }
    }
}
