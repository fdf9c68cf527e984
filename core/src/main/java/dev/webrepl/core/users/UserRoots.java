package dev.webrepl.core.users;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.files.Quota;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each user's files: {@code ROOT/NAME/}, that user's {@code /} for every file operation and the working
 * directory of the user's sessions (README "Users"). Made on first use with mode 0700.
 *
 * <p>One {@link FileStore} per user for the server's lifetime: a store holds no file descriptor
 * between operations (each opens the root afresh), but it does hold the user's quota reservations and
 * which resumable uploads are being written, which two stores for one user would not share. The cache
 * is bounded by the users file ({@link UserDirectory#MAX_USERS}), since only listed users log in.
 */
public final class UserRoots {
    private final Path root;
    private final long quotaBytes;
    private final Map<String, FileStore> stores = new ConcurrentHashMap<>();

    /**
     * @param root       the server's file root (real path); users' roots are made in it
     * @param quotaBytes each user's quota; 0 or less for none
     */
    public UserRoots(Path root, long quotaBytes) {
        this.root = root;
        this.quotaBytes = quotaBytes;
    }

    /** The user's quota in bytes; 0 for none. */
    public long quotaBytes() {
        return Math.max(0, quotaBytes);
    }

    /** Where {@code user}'s files are, made if missing; not a link, not anything but a directory. */
    public Path rootOf(User user) throws IOException {
        return storeOf(user).root();
    }

    /** {@code user}'s file store, made (with the directory) on first use. */
    public FileStore storeOf(User user) throws IOException {
        if (!user.named()) {
            throw new IllegalArgumentException("the shared identity has no root of its own");
        }
        FileStore store = stores.get(user.name());
        if (store != null) {
            return store;
        }
        synchronized (this) {
            store = stores.get(user.name());
            if (store == null) {
                store = new FileStore(makeRoot(user.name()), quotaBytes > 0 ? new Quota(quotaBytes) : null);
                if (!store.root().equals(root.toRealPath().resolve(user.name()))) {
                    throw new IOException("the root of user " + user.name() + " moved while it was opened");
                }
                stores.put(user.name(), store);
            }
            return store;
        }
    }

    /**
     * {@code ROOT/NAME}, made with 0700 if missing. The name is {@link User#NAME_RULE} (no {@code /},
     * no {@code ..}); a link or file there is refused, so the store's real path stays inside the root.
     */
    private Path makeRoot(String name) throws IOException {
        Path dir = root.resolve(name);
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException exists) {
            // checked below
        }
        BasicFileAttributes a = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isDirectory()) {
            throw new IOException("the root of user " + name + " is not a directory (a link or a file): " + dir);
        }
        return dir;
    }
}
