package dev.webrepl.loadtest.generator;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What each session of a load run does; the command line names them in lower case. */
public enum Scenario {
    IDLE("open the sessions and hold them, sending nothing"),
    TYPING("each session types keys at --rate per second, --think after each line; keystroke-to-echo latency"),
    FLOOD("each session has the engine write --size bytes per command, again as soon as the prompt returns"),
    PUT("each session uploads a --size-byte file again and again"),
    GET("each session downloads a --size-byte file again and again (uploaded once first, not counted)"),
    VIEWERS("each session types as in typing while --viewers read-only terminals watch it"),
    MIXED("sessions split by --mix among idle, typing, flood, put and get");

    private final String description;

    Scenario(String description) {
        this.description = description;
    }

    /** The name on the command line and in reports: {@code typing}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String description() {
        return description;
    }

    public static Scenario of(String id) {
        for (Scenario s : values()) {
            if (s.id().equals(id.trim().toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + id + "'; one of "
                + Arrays.stream(values()).map(Scenario::id).collect(Collectors.joining(", ")));
    }

    /** The scenarios a {@link #MIXED} run may weigh. */
    public boolean mixable() {
        return this != VIEWERS && this != MIXED;
    }
}
