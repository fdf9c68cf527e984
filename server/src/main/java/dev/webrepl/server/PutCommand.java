package dev.webrepl.server;

import dev.webrepl.transport.client.ConnectionLostException;
import dev.webrepl.transport.client.FileTransferException;
import dev.webrepl.transport.client.ReplConnection;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code webrepl put [-r] [--resume] LOCAL HOST[:PORT]:/REMOTE}: uploads a file (spec §4.3) or a tree
 * (MKDIR, PROTOCOL.md §5), resumably on request (PROTOCOL.md §6).
 */
@Command(name = "put", mixinStandardHelpOptions = true, description = {
        "Uploads a file to a WebREPL server; with -r a directory tree.",
        "With -r, REMOTE is created (with parents) and receives LOCAL's contents: every directory is created "
                + "and every regular file uploaded, preserving the tree."})
final class PutCommand implements Callable<Integer> {
    /** How often, and how patiently, a resume asks again while the server reports the upload busy (16). */
    private static final int BUSY_ATTEMPTS = 5;
    private static final long BUSY_PAUSE_MILLIS = 300;

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Option(names = {"-r", "--recursive"}, description = "LOCAL is a directory: upload the tree.")
    boolean recursive;

    @Option(names = "--resume", description = "Resumable upload: if the connection drops, the server keeps what "
            + "arrived, and the next put --resume of the same file (same name and size) sends only the rest.")
    boolean resume;

    @Parameters(index = "0", paramLabel = "LOCAL", description = "The file to send (with -r: the directory).")
    Path local;

    @Parameters(index = "1", paramLabel = "HOST[:PORT]:/REMOTE", description = "Where to put it (port 8266 by default).")
    String target;

    /** One upload of a tree: a directory to create or a file to send. */
    private record Step(Path local, String remote, boolean directory) {
    }

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        try {
            if (recursive) {
                putTree(RemoteTarget.parseDirectory(target));
            } else {
                putFile(RemoteTarget.parse(target, true));
            }
            return 0;
        } catch (Exception e) {
            return CliFailure.of(e, target).report(err);
        }
    }

    private void putFile(RemoteTarget remote) throws Exception {
        if (!Files.isRegularFile(local)) {
            throw new NoSuchFileException(local.toString());
        }
        options.withConnection(remote, c -> {
            Extensions.require(c, remote, "put", Extensions.forTransfer(remote.path(), resume));
            return send(c, local, remote);
        });
    }

    private void putTree(RemoteTarget remote) throws Exception {
        if (!Files.isDirectory(local)) {
            throw Files.exists(local) ? new CliFailure(CliFailure.LOCAL_FILE, "not a directory: " + local)
                    : new NoSuchFileException(local.toString());
        }
        List<Step> steps = plan(remote.path());
        PrintWriter out = spec.commandLine().getOut();
        long start = System.nanoTime();
        long[] totals = new long[2];  // files, bytes
        options.withConnection(remote, c -> {
            List<String> needed = new ArrayList<>(List.of(Extensions.MKDIR));
            if (resume) {
                needed.add(Extensions.RESUME);
            }
            if (steps.stream().anyMatch(s -> Extensions.needsLongName(s.remote()))) {
                needed.add(Extensions.LONG_NAME);
            }
            Extensions.require(c, remote, "put -r", needed);
            for (Step step : steps) {
                if (step.directory()) {
                    c.mkdir(step.remote()).join();
                } else {
                    totals[1] += send(c, step.local(), remote.at(step.remote()));
                    totals[0]++;
                }
            }
            return null;
        });
        double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        out.println(String.format(Locale.ROOT, "put -r %s -> %s: %d files, %d bytes in %.3f s", local, remote,
                totals[0], totals[1], seconds));
        out.flush();
    }

    /** The tree under {@link #local}, parents first; what is neither a directory nor a regular file is skipped. */
    private List<Step> plan(String remoteRoot) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(local)) {
            paths = walk.sorted().toList();
        }
        List<Step> steps = new ArrayList<>();
        for (Path p : paths) {
            String relative = StreamSupport.stream(local.relativize(p).spliterator(), false)
                    .map(Path::toString).filter(s -> !s.isEmpty()).collect(Collectors.joining("/"));
            String remote = relative.isEmpty() ? remoteRoot : RemotePaths.child(remoteRoot, relative);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {  // a linked directory is not walked either
                if (!RemotePaths.isRoot(remote)) {
                    steps.add(new Step(p, remote, true));
                }
            } else if (Files.isRegularFile(p)) {
                steps.add(new Step(p, remote, false));
            } else {
                spec.commandLine().getErr().println("webrepl: skipped " + p + " (not a regular file or directory)");
            }
        }
        return steps;
    }

    private long send(ReplConnection c, Path file, RemoteTarget remote) throws CliFailure {
        TransferReport report = new TransferReport(spec.commandLine().getOut(), spec.commandLine().getErr(),
                System.console() != null, "put " + file + " -> " + remote, System.nanoTime());
        long n;
        for (int attempt = 1; ; attempt++) {
            try {
                n = (resume ? c.resumePut(file, remote.path(), report) : c.put(file, remote.path(), report)).join();
                break;
            } catch (CompletionException e) {
                // 16: the server has not yet seen the previous, dropped connection of this upload go
                // (PROTOCOL.md §6); it will within moments, so a resume waits a little and asks again.
                if (resume && attempt < BUSY_ATTEMPTS && e.getCause() instanceof FileTransferException f
                        && f.status() == dev.webrepl.core.files.FileStatus.BUSY) {
                    pause(BUSY_PAUSE_MILLIS * attempt);
                    continue;
                }
                throw failure(e, remote);
            }
        }
        report.finish(n, System.nanoTime());
        return n;
    }

    private static void pause(long millis) throws CliFailure {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new CliFailure(CliFailure.CONNECTION, "interrupted");
        }
    }

    private RuntimeException failure(CompletionException e, RemoteTarget remote) throws CliFailure {
        {
            if (resume && e.getCause() instanceof ConnectionLostException) {
                // The server keeps a dropped resumable upload's bytes (PROTOCOL.md §6): say how to go on.
                throw new CliFailure(CliFailure.CONNECTION, remote + ": connection lost; the server keeps what "
                        + "arrived: run put" + (recursive ? " -r" : "") + " --resume again to send the rest");
            }
            return e;
        }
    }
}
