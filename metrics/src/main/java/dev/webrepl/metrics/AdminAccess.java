package dev.webrepl.metrics;

import java.util.List;

/**
 * Who may ask the admin listener, beyond the checks every request gets (README "Security"): the
 * extra {@code Host} names it answers to, and the bearer token that guards it.
 *
 * @param allowedHosts {@code NAME} (any port) or {@code NAME:PORT}, e.g. the name of a proxy in front
 *                     ({@code --admin-allowed-host}); loopback names and the bind address need no entry
 * @param token        the token every endpoint but {@code /health}, {@code /} and the dashboard's
 *                     static files requires ({@code --admin-token-file}); null: none
 */
public record AdminAccess(List<String> allowedHosts, AdminToken token) {
    public static final AdminAccess NONE = new AdminAccess(List.of(), null);

    public AdminAccess {
        allowedHosts = List.copyOf(allowedHosts);
        for (String h : allowedHosts) {
            if (AdminGuard.HostPort.parse(h) == null) {
                throw new IllegalArgumentException("\"" + h + "\" is not NAME or NAME:PORT");
            }
        }
    }

    public AdminAccess withAllowedHosts(List<String> hosts) {
        return new AdminAccess(hosts, token);
    }

    public AdminAccess withToken(AdminToken token) {
        return new AdminAccess(allowedHosts, token);
    }
}
