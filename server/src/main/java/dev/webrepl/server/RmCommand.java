package dev.webrepl.server;

import dev.webrepl.core.files.DirectoryEntry;
import dev.webrepl.transport.client.ReplConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code webrepl rm [-r] HOST[:PORT]:/PATH}: deletes on the server (DELETE, LIST; PROTOCOL.md §4, §5). */
@Command(name = "rm", mixinStandardHelpOptions = true, description = {
        "Deletes a file, a link or an empty directory on a WebREPL server.",
        "With -r a directory goes with everything in it: the client lists it and deletes the entries depth-first, "
                + "then the directory (links are deleted, not followed). The root itself is never removed."})
final class RmCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Option(names = {"-r", "--recursive"}, description = "Delete a directory and everything in it.")
    boolean recursive;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]:/PATH", description = "What to delete.")
    String target;

    @Override
    public Integer call() {
        try {
            RemoteTarget remote = RemoteTarget.parseDirectory(target);
            if (RemotePaths.isRoot(remote.path())) {
                throw new CliFailure(CliFailure.USAGE, "refusing to remove the root of " + remote.host() + ":" + remote.port());
            }
            options.withConnection(remote, c -> {
                List<String> needed = new ArrayList<>(List.of(Extensions.DELETE));
                if (recursive) {
                    // The paths below the target may be of any length.
                    needed.addAll(List.of(Extensions.STAT, Extensions.LIST, Extensions.LONG_NAME));
                } else if (Extensions.needsLongName(remote.path())) {
                    needed.add(Extensions.LONG_NAME);
                }
                Extensions.require(c, remote, "rm", needed);
                if (recursive && c.stat(remote.path()).join().kind() == DirectoryEntry.Kind.DIRECTORY) {
                    removeTree(c, remote.path());  // STAT first: a link to a directory is deleted, not emptied
                } else {
                    c.delete(remote.path()).join();
                }
                return null;
            });
            return 0;
        } catch (Exception e) {
            return CliFailure.of(e, target).report(spec.commandLine().getErr());
        }
    }

    /** Deletes the directory {@code path} after its entries, depth-first. */
    private static void removeTree(ReplConnection c, String path) {
        List<DirectoryEntry> entries = c.list(path).join();
        for (DirectoryEntry entry : entries) {
            String child = RemotePaths.child(path, entry.name());
            if (entry.kind() == DirectoryEntry.Kind.DIRECTORY) {
                removeTree(c, child);
            } else {
                c.delete(child).join();
            }
        }
        c.delete(path).join();
    }
}
