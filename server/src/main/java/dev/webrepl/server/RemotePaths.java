package dev.webrepl.server;

import java.io.IOException;
import java.util.Arrays;

/** Remote path rules of the file commands: names are {@code /}-separated from the server's root (PROTOCOL.md §1). */
final class RemotePaths {
    private RemotePaths() {
    }

    /** {@code name} inside the directory {@code dir}. */
    static String child(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    /** Whether {@code path} names the root ({@code /}, {@code .}, {@code /./}, ...). */
    static boolean isRoot(String path) {
        return Arrays.stream(path.split("/")).allMatch(s -> s.isEmpty() || s.equals("."));
    }

    /**
     * {@code name} from a listing, checked to be one plain path component before it names a local
     * file: a server must not make {@code get -r} write outside the target directory.
     */
    static String localName(String name) throws IOException {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0
                || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0) {
            throw new IOException("the server listed an unusable name: '" + name + "'");
        }
        return name;
    }
}
