package dev.webrepl.metrics.audit;

import dev.webrepl.dupterm.SessionIds;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recording file names (README "Recordings"): {@code STARTED.USER.SESSION.cast}, e.g.
 * {@code 2026-12-06T09-00-00Z.-.Xk3fQ.cast}. STARTED is UTC to the second (no colons: a valid name
 * everywhere); USER is {@code -} without users, else the name with every byte outside
 * {@code A-Za-z0-9_-} written {@code ~hh} (so it has no dot and no slash); SESSION is the session id.
 * The three parts split at the first two dots, whatever the id (a node's ids have a dot of their own).
 */
final class RecordingName {
    static final String SUFFIX = ".cast";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH-mm-ss'Z'");
    private static final String NO_USER = "-";
    private static final Pattern FILE = Pattern.compile("(\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\dZ)\\.(-|(?:[A-Za-z0-9_-]|~[0-9a-f]{2}){1,512})\\.("
            + SessionIds.ID.pattern() + ")\\.cast");

    private RecordingName() {
    }

    /** The file name (with {@code .cast}) of a session started at {@code started}. */
    static String of(Instant started, String user, String session) {
        return STAMP.format(LocalDateTime.ofInstant(started, ZoneOffset.UTC)) + "." + encode(user) + "." + session + SUFFIX;
    }

    /** What a file name says, or empty when it is no recording's name. */
    static Optional<Recording> parse(String fileName, long size) {
        Matcher m = FILE.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        Instant started = LocalDateTime.parse(m.group(1), STAMP).toInstant(ZoneOffset.UTC);
        String user = decode(m.group(2));
        return Optional.of(new Recording(fileName.substring(0, fileName.length() - SUFFIX.length()), user, m.group(3),
                size, started));
    }

    private static String encode(String user) {
        if (user == null) {
            return NO_USER;
        }
        StringBuilder out = new StringBuilder();
        for (byte b : user.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            // A user called "-" must not read as no user: its dash is written out.
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
                    || (c == '-' && !user.equals(NO_USER))) {
                out.append(c);
            } else {
                out.append('~').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
            }
        }
        return out.toString();
    }

    private static String decode(String part) {
        if (part.equals(NO_USER)) {
            return null;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == '~') {
                bytes.write(Integer.parseInt(part.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
