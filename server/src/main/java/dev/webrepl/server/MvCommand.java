package dev.webrepl.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code webrepl mv HOST[:PORT]:/PATH NEWPATH}: renames on the server (RENAME, PROTOCOL.md §5). */
@Command(name = "mv", mixinStandardHelpOptions = true, description = {
        "Moves or renames a file or directory on a WebREPL server, atomically.",
        "An existing file at NEWPATH is replaced; an existing directory there is refused."})
final class MvCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]:/PATH", description = "What to move.")
    String target;

    @Parameters(index = "1", paramLabel = "NEWPATH",
            description = "The new path on the same server, from its root (/dir/new.py); HOST[:PORT]:/PATH of the same server also works.")
    String newPath;

    @Override
    public Integer call() {
        try {
            RemoteTarget remote = RemoteTarget.parse(target, true);
            String to = destination(remote);
            options.withConnection(remote, c -> {
                List<String> needed = new ArrayList<>(List.of(Extensions.RENAME));
                if (Extensions.needsLongName(remote.path())) {
                    needed.add(Extensions.LONG_NAME);
                }
                Extensions.require(c, remote, "mv", needed);
                return c.rename(remote.path(), to).join();
            });
            return 0;
        } catch (Exception e) {
            return CliFailure.of(e, target).report(spec.commandLine().getErr());
        }
    }

    private String destination(RemoteTarget from) {
        if (!newPath.contains(":/")) {
            if (newPath.isEmpty()) {
                throw new IllegalArgumentException("empty NEWPATH");
            }
            return newPath;
        }
        RemoteTarget to = RemoteTarget.parse(newPath, true);
        if (!to.host().equals(from.host()) || to.port() != from.port()) {
            throw new IllegalArgumentException("mv works on one server: " + newPath + " is not on "
                    + from.host() + ":" + from.port());
        }
        return to.path();
    }
}
