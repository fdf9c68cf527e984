package dev.webrepl.core.users;

import java.util.Objects;

/**
 * A server with a users file (DESIGN "Tenancy"): who may log in, where each user's files are, and how
 * many sessions each may have. A server without one has no Tenancy (single password, one root).
 *
 * @param users              the users file and the login against it
 * @param roots              each user's files, {@code ROOT/NAME}
 * @param maxSessionsPerUser sessions one user may have alive at once (lingering included); 0 for no limit
 */
public record Tenancy(UserDirectory users, UserRoots roots, int maxSessionsPerUser) {
    public static final int DEFAULT_MAX_SESSIONS_PER_USER = 10;

    public Tenancy {
        Objects.requireNonNull(users, "users");
        Objects.requireNonNull(roots, "roots");
        if (maxSessionsPerUser < 0) {
            throw new IllegalArgumentException("max sessions per user must be 0 (no limit) or more");
        }
    }
}
