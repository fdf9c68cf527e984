package dev.webrepl.server;

import dev.webrepl.core.files.DirectoryEntry;
import dev.webrepl.transport.client.ConnectionLostException;
import dev.webrepl.transport.client.ReplConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code webrepl get [-r] [--resume] HOST[:PORT]:/REMOTE LOCAL}: downloads a file (spec §4.4) or a
 * tree (LIST, PROTOCOL.md §4), resumably on request (GET at an offset, PROTOCOL.md §6).
 */
@Command(name = "get", mixinStandardHelpOptions = true, description = {
        "Downloads a file from a WebREPL server; with -r a directory tree.",
        "LOCAL is replaced only when the whole file has arrived. Without --resume the bytes go to a hidden "
                + "temporary file that is deleted on failure, so nothing partial is left.",
        "With --resume they go to LOCAL.part: a failed download keeps it, and the next get --resume asks the "
                + "server for the rest from the partial's length and appends; LOCAL.part is renamed to LOCAL when "
                + "complete. The remote file must not change in between (a partial longer than it is refused).",
        "With -r, LOCAL (created if missing) receives REMOTE's contents: directories are created and files "
                + "downloaded, preserving the tree; links and other entries are skipped."})
final class GetCommand implements Callable<Integer> {
    /** The suffix of a resumable download's partial file beside the target. */
    static final String PARTIAL_SUFFIX = ".part";

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Option(names = {"-r", "--recursive"}, description = "REMOTE is a directory: download the tree.")
    boolean recursive;

    @Option(names = "--resume", description = "Continue an interrupted download kept in LOCAL.part (see above).")
    boolean resume;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]:/REMOTE", description = "The file to fetch (port 8266 by default).")
    String source;

    @Parameters(index = "1", paramLabel = "LOCAL", description = "Where to write it (with -r: the directory).")
    Path local;

    @Override
    public Integer call() {
        try {
            if (recursive) {
                getTree(RemoteTarget.parseDirectory(source));
            } else {
                RemoteTarget remote = RemoteTarget.parse(source, true);
                options.withConnection(remote, c -> {
                    Extensions.require(c, remote, "get", Extensions.forTransfer(remote.path(), resume));
                    return fetch(c, remote, local);
                });
            }
            return 0;
        } catch (Exception e) {
            return CliFailure.of(e, source).report(spec.commandLine().getErr());
        }
    }

    private void getTree(RemoteTarget remote) throws Exception {
        long start = System.nanoTime();
        long[] totals = new long[2];  // files, bytes
        options.withConnection(remote, c -> {
            List<String> needed = new ArrayList<>(List.of(Extensions.LIST, Extensions.LONG_NAME));
            if (resume) {
                needed.add(Extensions.RESUME);
            }
            Extensions.require(c, remote, "get -r", needed);
            Files.createDirectories(local);
            fetchTree(c, remote, remote.path(), local, totals);
            return null;
        });
        double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        var out = spec.commandLine().getOut();
        out.println(String.format(Locale.ROOT, "get -r %s -> %s: %d files, %d bytes in %.3f s", remote, local,
                totals[0], totals[1], seconds));
        out.flush();
    }

    private void fetchTree(ReplConnection c, RemoteTarget server, String dir, Path into, long[] totals)
            throws IOException, CliFailure {
        for (DirectoryEntry entry : c.list(dir).join()) {
            String remote = RemotePaths.child(dir, entry.name());
            Path target = into.resolve(RemotePaths.localName(entry.name()));
            switch (entry.kind()) {
                case DIRECTORY -> {
                    Files.createDirectories(target);
                    fetchTree(c, server, remote, target, totals);
                }
                case FILE -> {
                    totals[1] += fetch(c, server.at(remote), target);
                    totals[0]++;
                }
                default -> spec.commandLine().getErr().println("webrepl: skipped "
                        + server.at(remote) + " (not a regular file or directory)");
            }
        }
    }

    /** One file into {@code target}, through a temporary file or, with --resume, {@code target.part}. */
    private long fetch(ReplConnection c, RemoteTarget remote, Path target) throws IOException, CliFailure {
        TransferReport report = new TransferReport(spec.commandLine().getOut(), spec.commandLine().getErr(),
                System.console() != null, "get " + remote + " -> " + target, System.nanoTime());
        long n;
        if (resume) {
            Path partial = target.resolveSibling(target.getFileName() + PARTIAL_SUFFIX);
            boolean existed = Files.exists(partial);
            try {
                n = c.resumeGet(remote.path(), partial, report).join();
            } catch (RuntimeException e) {
                long kept = Files.exists(partial) ? Files.size(partial) : 0;
                if (!existed && kept == 0) {
                    Files.deleteIfExists(partial);  // nothing arrived: nothing worth keeping
                } else if (e instanceof CompletionException && e.getCause() instanceof ConnectionLostException) {
                    throw new CliFailure(CliFailure.CONNECTION, remote + ": connection lost; " + kept
                            + " bytes kept in " + partial + ": run get" + (recursive ? " -r" : "")
                            + " --resume again to fetch the rest");
                }
                throw e;
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else {
            n = c.get(remote.path(), target, report).join();
        }
        report.finish(n, System.nanoTime());
        return n;
    }
}
