package dev.webrepl.metrics.audit;

import java.time.Instant;

/**
 * One recording file as the admin listener lists it ({@code GET /recordings}).
 *
 * @param name    the file name without {@code .cast} (README "Recordings")
 * @param user    who opened the session; null on a server without users
 * @param session the session id
 * @param size    the file's size in bytes now (a running session's grows)
 * @param started when the session started, to the second
 */
public record Recording(String name, String user, String session, long size, Instant started) {
}
