package dev.webrepl.server.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * The text format (README "Logs"): {@code 2026-12-06T09:00:00.123Z INFO  session=ID peer=1.2.3.4:5678
 * message}. Webrepl's own lines need no logger name; another library's carry {@code logger=NAME}, since
 * its message alone may not say where it comes from. Only a real failure's line is followed by its
 * stack trace.
 */
public final class TextLayout extends LayoutBase<ILoggingEvent> {
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX")
            .withZone(ZoneOffset.UTC);
    static final String OWN = "dev.webrepl.";
    /** The last second {@link #time} formatted, with its text up to the seconds: one line after another reuses it. */
    private static volatile Second lastSecond = new Second(Long.MIN_VALUE, "");

    private record Second(long epochSecond, String text) {
    }

    /**
     * {@code 2026-12-06T09:00:00.123Z}, as {@link #TIME} says it, without formatting the date for each line
     * (issue #19: the formatter's fraction, through BigDecimal, was a good part of a connection's close
     * line; 1000 closes log 1000 lines).
     */
    static String time(long epochMillis) {
        if (epochMillis < 0) {
            return TIME.format(Instant.ofEpochMilli(epochMillis));
        }
        long second = epochMillis / 1000;
        int millis = (int) (epochMillis % 1000);
        Second s = lastSecond;
        if (s.epochSecond() != second) {
            String full = TIME.format(Instant.ofEpochSecond(second));  // ...:SS.000Z
            s = new Second(second, full.substring(0, full.length() - 4));
            lastSecond = s;
        }
        StringBuilder t = new StringBuilder(s.text().length() + 4).append(s.text());
        t.append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10)).append((char) ('0' + millis % 10));
        return t.append('Z').toString();
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(160);
        line.append(time(event.getTimeStamp())).append(' ');
        String level = event.getLevel().toString();
        line.append(level).append(" ".repeat(Math.max(1, 6 - level.length())));
        Map<String, String> mdc = event.getMDCPropertyMap();
        field(line, "session", mdc.get("session"));
        field(line, "peer", mdc.get("peer"));
        if (!event.getLoggerName().startsWith(OWN)) {
            field(line, "logger", event.getLoggerName());
        }
        Escape.text(line, String.valueOf(event.getFormattedMessage()));
        line.append(CoreConstants.LINE_SEPARATOR);
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            line.append(ThrowableProxyUtil.asString(thrown)).append(CoreConstants.LINE_SEPARATOR);
        }
        return line.toString();
    }

    private static void field(StringBuilder line, String name, String value) {
        if (value != null) {
            line.append(name).append('=');
            Escape.text(line, value);
            line.append(' ');
        }
    }
}
