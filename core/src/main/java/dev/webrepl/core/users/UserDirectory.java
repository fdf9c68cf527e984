package dev.webrepl.core.users;

import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.core.protocol.PasswordHash;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * The users file of a server, read at start and again when it changes ({@link #reloadIfChanged()},
 * polled) or on request ({@link #reload()}, SIGHUP), and the login against it (README "Users").
 *
 * <p>A login is {@code NAME:PASSWORD} typed at {@code Password: } (split at the first {@code :}), so
 * legacy clients need no change; it costs exactly one password check: an unknown name is checked
 * against a dummy hash, so the time taken does not tell which names exist.
 */
public final class UserDirectory implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(UserDirectory.class.getName());
    /** The most users one file may hold: each gets a cached file store (and a directory). */
    public static final int MAX_USERS = 10_000;

    private final Path file;
    /** What an unknown name is checked against; replaced at a reload (volatile: read by logins). */
    private volatile PasswordCheck dummy;
    /** Salts for the dummy; null when a test gave a fixed dummy. */
    private final SecureRandom random;
    private volatile Users users;
    /** What the file looked like when last read (modified time, size, file key): a change triggers a reload. */
    private volatile Object seen;
    private volatile Consumer<Set<String>> removed = names -> { };
    private volatile Consumer<Set<String>> demoted = names -> { };
    private volatile Disposable polling;

    /** {@code dummy} is what an unknown name is checked against: as costly as a real hash. */
    UserDirectory(Path file, Users users, Object seen, PasswordCheck dummy) {
        this.file = file;
        this.users = users;
        this.seen = seen;
        this.dummy = dummy;
        this.random = null;
    }

    private UserDirectory(Path file, Users users, Object seen, SecureRandom random) {
        this.file = file;
        this.users = users;
        this.seen = seen;
        this.random = random;
        this.dummy = dummyFor(users, random);
    }

    /**
     * A hash no entry matches, as costly as the file's hashes: the highest iteration count there
     * (the default if none), so an unknown name takes no less time than a known one.
     */
    private static PasswordCheck dummyFor(Users users, SecureRandom random) {
        int iterations = PasswordHash.DEFAULT_ITERATIONS;
        boolean any = false;
        for (String name : users.names()) {
            if (users.find(name).orElseThrow().password() instanceof PasswordHash h) {
                iterations = any ? Math.max(iterations, h.iterations()) : h.iterations();
                any = true;
            }
        }
        byte[] salt = new byte[PasswordHash.SALT_BYTES];
        random.nextBytes(salt);
        byte[] never = new byte[PasswordHash.HASH_BYTES];
        random.nextBytes(never);
        return new PasswordHash(iterations, salt, never);
    }

    /**
     * Reads {@code file}.
     *
     * @throws Users.BadLine      a line that cannot be read (its number, never its content)
     * @throws IOException        the file cannot be read
     */
    public static UserDirectory load(Path file, SecureRandom random) throws IOException {
        Object seen = stamp(file);
        return new UserDirectory(file, read(file), seen, random);
    }

    private static Users read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        Users u = Users.parse(lines);
        if (u.size() > MAX_USERS) {
            throw new IllegalArgumentException("more than " + MAX_USERS + " users");
        }
        return u;
    }

    private static Object stamp(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return List.of(a.lastModifiedTime(), a.size(), Objects.toString(a.fileKey()));
    }

    public Path file() {
        return file;
    }

    /** The users as last read. */
    public Users users() {
        return users;
    }

    /** Told, after a reload, the names that are gone from the file (their sessions end: README "Users"). */
    public void onRemoved(Consumer<Set<String>> callback) {
        removed = Objects.requireNonNull(callback);
    }

    /**
     * Told, after a reload, the names that are still in the file but no longer admins (their terminals
     * on others' sessions that came without a share close: README "Users").
     */
    public void onDemoted(Consumer<Set<String>> callback) {
        demoted = Objects.requireNonNull(callback);
    }

    /**
     * The NAME of a {@code NAME:PASSWORD} entry when it is a valid user name (for the audit log of a
     * failed login), never anything of the password.
     */
    public static Optional<String> typedName(byte[] entry) {
        int colon = colon(entry);
        String name = colon < 0 ? "" : new String(entry, 0, colon, java.nio.charset.StandardCharsets.UTF_8);
        return User.validName(name) ? Optional.of(name) : Optional.empty();
    }

    /** Where a login entry's name ends: its first {@code :}, or -1. */
    private static int colon(byte[] entry) {
        for (int i = 0; i < entry.length; i++) {
            if (entry[i] == ':') {
                return i;
            }
        }
        return -1;
    }

    /**
     * The user {@code entry} ({@code NAME:PASSWORD}) logs in as, or empty. Costs one password check
     * whatever the entry (a dummy one for an unknown name or an entry without {@code :}); call off
     * the event loop.
     */
    public Optional<User> login(byte[] entry) {
        int colon = colon(entry);
        String name = colon < 0 ? "" : new String(entry, 0, colon, java.nio.charset.StandardCharsets.UTF_8);
        byte[] password = colon < 0 ? entry : Arrays.copyOfRange(entry, colon + 1, entry.length);
        try {
            Optional<Users.Entry> found = User.validName(name) ? users.find(name) : Optional.empty();
            if (found.isEmpty()) {
                dummy.matches(password);
                return Optional.empty();
            }
            return found.get().password().matches(password) ? Optional.of(found.get().user()) : Optional.empty();
        } finally {
            Arrays.fill(password, (byte) 0);
        }
    }

    /**
     * Reads the file again. On success the new users apply to the next login (sessions carry on),
     * users no longer listed are reported to {@link #onRemoved}, admins no more to {@link #onDemoted},
     * and each plain password is warned
     * about by user name; on failure the old users stay and one line is logged.
     *
     * @return whether the file was read
     */
    public synchronized boolean reload() {
        Users next;
        Object stamp = null;
        try {
            stamp = stamp(file);
            next = read(file);
        } catch (IOException | IllegalArgumentException e) {
            // This version is not tried again until the file changes: one line per change, not per poll.
            seen = stamp;
            LOG.log(Level.WARNING, "users file " + file + " not reloaded (the previous users stay): "
                    + (e instanceof IOException ? e.getClass().getSimpleName() + " " : "") + e.getMessage());
            return false;
        }
        Set<String> gone = new HashSet<>(users.names());
        gone.removeAll(next.names());
        Set<String> notAdmins = new HashSet<>();
        for (String name : next.names()) {
            if (users.find(name).map(e -> e.user().admin()).orElse(false) && !next.find(name).orElseThrow().user().admin()) {
                notAdmins.add(name);
            }
        }
        if (random != null) {
            dummy = dummyFor(next, random);
        }
        users = next;
        seen = stamp;
        LOG.log(Level.INFO, "users file " + file + " reloaded: " + next.size() + " users"
                + (gone.isEmpty() ? "" : ", removed " + String.join(", ", gone.stream().sorted().toList())));
        for (String name : next.plainPasswords()) {
            LOG.log(Level.WARNING, plainWarning(name));
        }
        if (!gone.isEmpty()) {
            removed.accept(Set.copyOf(gone));
        }
        if (!notAdmins.isEmpty()) {
            demoted.accept(Set.copyOf(notAdmins));
        }
        return true;
    }

    /** The warning for a plain password in the file: names the user, never the password. */
    public String plainWarning(String name) {
        return "user " + name + " has a plain password in " + file
                + "; store its hash instead (webrepl hash-password)";
    }

    /** Reloads if the file's modification time, size or identity changed since it was last read. */
    public boolean reloadIfChanged() {
        Object now;
        try {
            now = stamp(file);
        } catch (IOException e) {
            now = null;
        }
        if (Objects.equals(now, seen)) {
            return false;
        }
        return reload();
    }

    /** Checks the file for changes every {@code interval} on {@code timers} until {@link #close()}. */
    public synchronized void watch(Scheduler timers, java.time.Duration interval) {
        if (polling != null) {
            polling.dispose();
        }
        long ms = Math.max(1, interval.toMillis());
        polling = timers.schedulePeriodically(() -> {
            try {
                reloadIfChanged();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "users file " + file + ": check failed", e);
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (polling != null) {
            polling.dispose();
            polling = null;
        }
    }
}
