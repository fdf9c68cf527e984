package dev.webrepl.engines.jshell;

import dev.webrepl.core.files.Download;
import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.files.FileStoreException;
import dev.webrepl.core.files.Upload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The files of {@code /save} and {@code /open}: names relative to the session's file root, read and
 * written through the core's {@link FileStore}, so {@code ..}, links and the server's {@code .webrepl}
 * are refused without a check-then-use race, and a save replaces its file atomically. Unlike the
 * protocol, an absolute name is refused rather than taken as relative to the root: in a shell,
 * {@code /save /etc/x} means /etc.
 */
final class SessionFiles {
    /** The most {@code /open} reads: a script, not a data file. */
    static final int MAX_OPEN_BYTES = 1 << 20;

    private final Path root;
    private FileStore store;

    /** Files under {@code root}; none at all when it is null (an evaluator without a session). */
    SessionFiles(Path root) {
        this.root = root;
    }

    /** The text of {@code name}, at most {@link #MAX_OPEN_BYTES} bytes of UTF-8. */
    String read(String name) throws Refused {
        try (Download download = store().openDownload(relative(name))) {
            byte[] bytes = new byte[MAX_OPEN_BYTES + 1];
            int length = 0;
            int read;
            while (length < bytes.length && (read = download.read(bytes, length, bytes.length - length)) > 0) {
                length += read;
            }
            if (length > MAX_OPEN_BYTES) {
                throw new Refused("larger than " + (MAX_OPEN_BYTES >> 20) + " MiB: " + name);
            }
            return new String(bytes, 0, length, StandardCharsets.UTF_8);
        } catch (FileStoreException e) {
            throw new Refused(e.getMessage());
        }
    }

    /** Creates or replaces {@code name} with {@code text} as UTF-8; its directory must exist. */
    void write(String name, String text) throws Refused {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try (Upload upload = store().beginUpload(relative(name), bytes.length)) {
            upload.write(bytes, 0, bytes.length);
            upload.commit();
        } catch (FileStoreException e) {
            throw new Refused(e.getMessage());
        }
    }

    private static String relative(String name) throws Refused {
        if (name.startsWith("/")) {
            throw new Refused("an absolute path is not allowed, name a file in the session's file root: " + name);
        }
        return name;
    }

    private synchronized FileStore store() throws Refused {
        if (store == null) {
            if (root == null) {
                throw new Refused("this session has no file root");
            }
            try {
                store = new FileStore(root);
            } catch (IOException | IllegalStateException e) {
                throw new Refused("the file root cannot be used: " + e.getMessage());
            }
        }
        return store;
    }

    /** Why a file was not read or written, in words for the terminal. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }
}
