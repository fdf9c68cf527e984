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
                + "modification time (UTC), name.",
        "Unprintable characters in names are escaped: \\n \\r \\t, \\xHH for other control characters, "
                + "\\uXXXX (\\UXXXXXXXX) for other invisible ones, and \\\\ for a backslash."})
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
                out.println(longFormat ? longLine(e) : printable(e.name()));
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
                Instant.ofEpochMilli(e.mtimeMillis()).truncatedTo(ChronoUnit.SECONDS), printable(e.name()));
    }

    /**
     * {@code name} safe to print into a terminal (issue #15.8): a remote name with ESC, BEL or a
     * newline would otherwise drive the user's terminal. A backslash is doubled so escapes stay unambiguous.
     */
    static String printable(String name) {
        StringBuilder out = new StringBuilder(name.length());
        name.codePoints().forEach(cp -> {
            switch (cp) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (cp < 0x20 || cp == 0x7f) {
                        out.append(String.format("\\x%02x", cp));
                    } else if (invisible(cp)) {
                        out.append(cp <= 0xFFFF ? String.format("\\u%04x", cp) : String.format("\\U%08x", cp));
                    } else {
                        out.appendCodePoint(cp);
                    }
                }
            }
        });
        return out.toString();
    }

    /** C1 controls, bidi and zero-width format characters, separators, unassigned and lone surrogates. */
    private static boolean invisible(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.UNASSIGNED, Character.SURROGATE, Character.PRIVATE_USE -> true;
            default -> false;
        };
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
