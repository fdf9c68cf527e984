package dev.webrepl.core.users;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Who a connection logged in as (DESIGN "Tenancy"): a name from the users file, and whether that
 * user is an admin. A server without a users file has one identity, {@link #SHARED}: everyone who
 * knows the password.
 *
 * @param name  {@value #NAME_RULE}, or empty for {@link #SHARED}
 * @param admin may list, view and end any session
 */
public record User(String name, boolean admin) {
    /** The rule a user's name follows: it is also a directory name under the root, so nothing else is allowed. */
    public static final String NAME_RULE = "[a-z_][a-z0-9_-]{0,31}";
    private static final Pattern NAME = Pattern.compile(NAME_RULE);

    /** The one identity of a server without a users file. */
    public static final User SHARED = new User("", false);

    public User {
        Objects.requireNonNull(name, "name");
        if (!name.isEmpty() && !validName(name)) {
            throw new IllegalArgumentException("a user name is " + NAME_RULE);
        }
    }

    /** Whether {@code name} may name a user (and so a directory under the root). */
    public static boolean validName(String name) {
        return NAME.matcher(name).matches();
    }

    /** Whether this is a user from a users file, not {@link #SHARED}. */
    public boolean named() {
        return !name.isEmpty();
    }

    /** For logs: the name, or {@code -} for {@link #SHARED}. */
    @Override
    public String toString() {
        return named() ? name : "-";
    }
}
