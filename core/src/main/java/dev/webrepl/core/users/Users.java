package dev.webrepl.core.users;

import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.core.protocol.PasswordHash;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The users of one version of the users file (README "Users"): one line per user,
 * {@code NAME:HASH[:admin]}, where HASH is a {@code webrepl hash-password} line or else a plain
 * password; {@code #} comments and blank lines are skipped. Immutable.
 */
public final class Users {
    /** One user's line, read. */
    public record Entry(User user, PasswordCheck password, boolean plain) {
        /** Never the password: records print themselves. */
        @Override
        public String toString() {
            return "Entry[" + user.name() + (user.admin() ? ", admin" : "") + (plain ? ", plain" : "") + "]";
        }
    }

    /** A line that cannot be read: its number and why, never its content (it holds a password). */
    public static final class BadLine extends IllegalArgumentException {
        private final int line;

        public BadLine(int line, String why) {
            super("line " + line + ": " + why);
            this.line = line;
        }

        public int line() {
            return line;
        }
    }

    private final Map<String, Entry> entries;

    private Users(Map<String, Entry> entries) {
        this.entries = Collections.unmodifiableMap(entries);
    }

    /**
     * Reads the lines of a users file.
     *
     * @throws BadLine for the first line that is not {@code NAME:HASH[:admin]} with a valid name, or
     *                 names a user twice
     */
    public static Users parse(List<String> lines) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int number = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new BadLine(number, "not NAME:HASH[:admin]");
            }
            String name = line.substring(0, colon);
            if (!User.validName(name)) {
                throw new BadLine(number, "a user name is " + User.NAME_RULE);
            }
            String rest = line.substring(colon + 1);
            boolean admin = false;
            if (rest.endsWith(":admin")) {
                admin = true;
                rest = rest.substring(0, rest.length() - ":admin".length());
            }
            if (rest.isEmpty()) {
                throw new BadLine(number, "empty password");
            }
            PasswordCheck check;
            try {
                check = PasswordCheck.parse(rest);
            } catch (IllegalArgumentException e) {
                // PasswordHash's messages never quote the line.
                throw new BadLine(number, e.getMessage());
            }
            if (entries.containsKey(name)) {
                throw new BadLine(number, "user " + name + " is named twice");
            }
            entries.put(name, new Entry(new User(name, admin), check, !rest.startsWith(PasswordHash.PREFIX)));
        }
        return new Users(entries);
    }

    /** Users from entries already made (tests pass checks that count their calls). */
    static Users of(List<Entry> list) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        list.forEach(e -> entries.put(e.user().name(), e));
        return new Users(entries);
    }

    public Optional<Entry> find(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /** The users whose line holds a plain password (to be warned about, by name only). */
    public List<String> plainPasswords() {
        List<String> names = new ArrayList<>();
        entries.values().stream().filter(Entry::plain).forEach(e -> names.add(e.user().name()));
        return names;
    }

    public int size() {
        return entries.size();
    }

    public List<String> names() {
        return List.copyOf(entries.keySet());
    }
}
