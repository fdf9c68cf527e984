package dev.webrepl.server;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code webrepl mkdir HOST[:PORT]:/PATH}: creates a remote directory and its parents (MKDIR, PROTOCOL.md §5). */
@Command(name = "mkdir", mixinStandardHelpOptions = true,
        description = "Creates a directory on a WebREPL server, with any missing parents; an existing directory is fine.")
final class MkdirCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]:/PATH", description = "The directory to create.")
    String target;

    @Override
    public Integer call() {
        try {
            RemoteTarget remote = RemoteTarget.parse(target, true);
            options.withConnection(remote, c -> {
                Extensions.require(c, remote, "mkdir", Extensions.needsLongName(remote.path())
                        ? List.of(Extensions.MKDIR, Extensions.LONG_NAME) : List.of(Extensions.MKDIR));
                return c.mkdir(remote.path()).join();
            });
            return 0;
        } catch (Exception e) {
            return CliFailure.of(e, target).report(spec.commandLine().getErr());
        }
    }
}
