package dev.webrepl.server.log;

/** How log lines look on stderr (README "Logs"): {@code --log-format text|json}. */
public enum LogFormat {
    /** One line per event for people: time, level, the session and peer fields, the message. */
    TEXT,
    /** One JSON object per line for log shippers, with the same fields. */
    JSON
}
