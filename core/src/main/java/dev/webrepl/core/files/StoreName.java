package dev.webrepl.core.files;

import java.util.ArrayList;
import java.util.List;

/**
 * A client's name, checked and split into components below the root (spec §4.1): {@code /x} means
 * {@code root/x}, empty and {@code .} components are skipped, {@code ..} anywhere and the reserved
 * {@code .webrepl} at the root are refused with 13, a NUL is 22. A name ending in {@code /} (or
 * {@code /.}) names a directory.
 *
 * @param parts       the components, none empty, {@code .} or {@code ..}; empty for the root
 * @param directory   true if the name ends with a slash: it must be a directory
 * @param text        the name as the client sent it, for messages
 */
record StoreName(List<String> parts, boolean directory, String text) {
    static StoreName parse(String name) throws FileStoreException {
        if (name.isEmpty()) {
            throw new FileStoreException(FileStatus.INVALID_REQUEST, "empty file name");
        }
        if (name.indexOf('\0') >= 0) {
            throw new FileStoreException(FileStatus.INVALID_REQUEST, "NUL in file name");
        }
        List<String> parts = new ArrayList<>();
        String[] split = name.split("/", -1);
        for (String part : split) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new FileStoreException(FileStatus.PERMISSION_DENIED, "'..' is not allowed: " + name);
            }
            if (!Beneath.encodable(part)) {
                // Only on a server started without a UTF-8 locale (./webrepl sets one): refused, not mangled.
                throw new FileStoreException(FileStatus.ILLEGAL_NAME_ENCODING, "this server's file names are "
                        + Beneath.NAMES.name() + " (start it with a UTF-8 locale, e.g. LANG=C.UTF-8): "
                        + printable(name));
            }
            if (parts.isEmpty() && part.equals(FileStore.RESERVED)) {
                throw new FileStoreException(FileStatus.PERMISSION_DENIED, "reserved: " + name);
            }
            parts.add(part);
        }
        String lastPiece = split[split.length - 1];
        boolean directory = split.length > 1 && (lastPiece.isEmpty() || lastPiece.equals("."));
        return new StoreName(List.copyOf(parts), directory, name);
    }

    boolean isRoot() {
        return parts.isEmpty();
    }

    /** The last component; only for a name that is not the root. */
    String last() {
        return parts.get(parts.size() - 1);
    }

    /** The components before the last. */
    List<String> parent() {
        return parts.subList(0, parts.size() - 1);
    }

    /** The components joined by {@code /}, as the key of a resumable upload. */
    String normalized() {
        return String.join("/", parts);
    }

    /** Refuses a component that would be created with a control character in it (issue #15.8). */
    static void checkCreatable(String component, String name) throws FileStoreException {
        for (int i = 0; i < component.length(); i++) {
            char ch = component.charAt(i);
            // C0, DEL and C1 (U+0080-U+009F: a Latin-1 name's byte 0x9B is CSI to an 8-bit terminal).
            if (Character.isISOControl(ch)) {
                throw new FileStoreException(FileStatus.ILLEGAL_NAME_ENCODING,
                        String.format("control character 0x%02x in a new name: %s", (int) ch, printable(name)));
            }
        }
    }

    /** {@code name} with its control characters as {@code ?}, for messages and logs. */
    static String printable(String name) {
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            out.append(ch < 0x20 || ch == 0x7f ? '?' : ch);
        }
        return out.toString();
    }
}
