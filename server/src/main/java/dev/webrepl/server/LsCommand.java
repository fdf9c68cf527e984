package dev.webrepl.server;

import dev.webrepl.core.files.DirectoryEntry;
import dev.webrepl.core.files.FileStatus;
import dev.webrepl.transport.client.FileTransferException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code webrepl ls [-l] HOST[:PORT]:/PATH}: lists a remote directory (LIST, PROTOCOL.md §4). */
@Command(name = "ls", mixinStandardHelpOptions = true, description = {
        "Lists a directory on a WebREPL server, one name per line, sorted by name; a file is listed by itself.",
        "With -l each line is: kind (d directory, - file, l link, ? other), size in bytes, "
                + "modification time (UTC), name."})
final class LsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Option(names = "-l", description = "Long format: kind, size, modification time, name.")
    boolean longFormat;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]:/PATH", description = "The directory (or file); / is the root.")
    String target;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            RemoteTarget remote = RemoteTarget.parseDirectory(target);
            List<DirectoryEntry> entries = options.withConnection(remote, c -> {
                Extensions.require(c, remote, "ls", needed(remote.path()));
                try {
                    return c.list(remote.path()).join();
                } catch (CompletionException e) {
                    if (e.getCause() instanceof FileTransferException f && f.status() == FileStatus.NOT_A_DIRECTORY) {
                        return List.of(c.stat(remote.path()).join());  // a file: listed by itself, as ls does
                    }
                    throw e;
                }
            });
            for (DirectoryEntry e : entries) {
                out.println(longFormat ? longLine(e) : e.name());
            }
            out.flush();
            return 0;
        } catch (Exception e) {
            return CliFailure.of(e, target).report(spec.commandLine().getErr());
        }
    }

    private static List<String> needed(String path) {
        return Extensions.needsLongName(path) ? List.of(Extensions.LIST, Extensions.STAT, Extensions.LONG_NAME)
                : List.of(Extensions.LIST, Extensions.STAT);
    }

    /** {@code d          0 2023-11-14T22:13:20Z lib}. */
    static String longLine(DirectoryEntry e) {
        return String.format("%c %12d %s %s", kind(e.kind()), e.size(),
                Instant.ofEpochMilli(e.mtimeMillis()).truncatedTo(ChronoUnit.SECONDS), e.name());
    }

    private static char kind(DirectoryEntry.Kind kind) {
        return switch (kind) {
            case FILE -> '-';
            case DIRECTORY -> 'd';
            case LINK -> 'l';
            case OTHER -> '?';
        };
    }
}
