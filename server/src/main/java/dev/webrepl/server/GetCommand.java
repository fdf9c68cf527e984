package dev.webrepl.server;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code webrepl get HOST[:PORT]:/REMOTE LOCAL}: downloads one file (spec §4.4). */
@Command(name = "get", mixinStandardHelpOptions = true, description = "Downloads a file from a WebREPL server.")
final class GetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]:/REMOTE", description = "The file to fetch (port 8266 by default).")
    String source;

    @Parameters(index = "1", paramLabel = "LOCAL", description = "Where to write it; replaced only when the whole file has arrived.")
    Path local;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        try {
            RemoteTarget remote = RemoteTarget.parse(source, true);
            options.withConnection(remote, c -> {
                TransferReport report = new TransferReport(out, err, System.console() != null,
                        "get " + remote + " -> " + local, System.nanoTime());
                long n = c.get(remote.path(), local, report).join();
                report.finish(n, System.nanoTime());
                return n;
            });
            return 0;
        } catch (Exception e) {
            return CliFailure.of(e, source).report(err);
        }
    }
}
