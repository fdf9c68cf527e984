package dev.webrepl.server;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code webrepl put LOCAL HOST[:PORT]:/REMOTE}: uploads one file (spec §4.3). */
@Command(name = "put", mixinStandardHelpOptions = true, description = "Uploads a file to a WebREPL server.")
final class PutCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Parameters(index = "0", paramLabel = "LOCAL", description = "The file to send.")
    Path local;

    @Parameters(index = "1", paramLabel = "HOST[:PORT]:/REMOTE", description = "Where to put it (port 8266 by default).")
    String target;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        try {
            RemoteTarget remote = RemoteTarget.parse(target, true);
            if (!Files.isRegularFile(local)) {
                throw new NoSuchFileException(local.toString());
            }
            options.withConnection(remote, c -> {
                TransferReport report = new TransferReport(out, err, System.console() != null,
                        "put " + local + " -> " + remote, System.nanoTime());
                long n = c.put(local, remote.path(), report).join();
                report.finish(n, System.nanoTime());
                return n;
            });
            return 0;
        } catch (Exception e) {
            return CliFailure.of(e, target).report(err);
        }
    }
}
