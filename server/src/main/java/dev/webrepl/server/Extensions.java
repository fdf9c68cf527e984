package dev.webrepl.server;

import dev.webrepl.transport.client.ReplConnection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Checks that a server has the extensions a command needs before it sends one (PROTOCOL.md §1: a
 * server without an extension answers 22, and MicroPython's reference drops its file channel), by
 * asking FEATURES once. Commands that need none send nothing extra, so they stay legacy-compatible.
 */
final class Extensions {
    static final String STAT = "stat";
    static final String LIST = "list";
    static final String DELETE = "delete";
    static final String MKDIR = "mkdir";
    static final String RENAME = "rename";
    static final String LONG_NAME = "long-name";
    static final String RESUME = "resume";
    static final String SHARE = "share";
    /** The legacy name field holds at most 63 UTF-8 bytes (spec §4.1). */
    private static final int LEGACY_NAME_BYTES = 63;

    private Extensions() {
    }

    /**
     * Fails with {@link CliFailure#REMOTE_FILE} unless the server lists every one of {@code needed};
     * asks nothing when {@code needed} is empty.
     */
    static void require(ReplConnection c, RemoteTarget remote, String command, Collection<String> needed)
            throws CliFailure {
        if (needed.isEmpty()) {
            return;
        }
        Set<String> offered = c.features().join();
        List<String> missing = new ArrayList<>();
        for (String f : needed) {
            if (!offered.contains(f) && !missing.contains(f)) {
                missing.add(f);
            }
        }
        if (!missing.isEmpty()) {
            throw new CliFailure(CliFailure.REMOTE_FILE, remote.host() + ":" + remote.port() + " does not support "
                    + command + " (missing protocol extensions: " + String.join(", ", missing) + ")");
        }
    }

    /** What a PUT or GET of one file named {@code name} needs: {@code resume} if asked, {@code long-name} if long. */
    static List<String> forTransfer(String name, boolean resume) {
        List<String> needed = new ArrayList<>();
        if (resume) {
            needed.add(RESUME);
        }
        if (needsLongName(name)) {
            needed.add(LONG_NAME);
        }
        return needed;
    }

    /** Whether {@code name} needs the {@code long-name} extension. */
    static boolean needsLongName(String name) {
        return name.getBytes(StandardCharsets.UTF_8).length > LEGACY_NAME_BYTES;
    }
}
