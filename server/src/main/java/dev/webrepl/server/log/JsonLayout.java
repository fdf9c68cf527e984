package dev.webrepl.server.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.util.Map;

/**
 * The JSON format (README "Logs"): one object per line, {@code timestamp}, {@code level},
 * {@code logger}, {@code message}, then {@code session} and {@code peer} when set and {@code exception}
 * (the stack trace) for a real failure. Flat, so that a log shipper needs no mapping.
 */
public final class JsonLayout extends LayoutBase<ILoggingEvent> {
    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(200);
        line.append('{');
        field(line, "timestamp", TextLayout.time(event.getTimeStamp()));
        line.append(',');
        field(line, "level", event.getLevel().toString());
        line.append(',');
        field(line, "logger", event.getLoggerName());
        line.append(',');
        field(line, "message", String.valueOf(event.getFormattedMessage()));
        Map<String, String> mdc = event.getMDCPropertyMap();
        for (String name : new String[] {"session", "peer"}) {
            String value = mdc.get(name);
            if (value != null) {
                line.append(',');
                field(line, name, value);
            }
        }
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            line.append(',');
            field(line, "exception", ThrowableProxyUtil.asString(thrown));
        }
        return line.append('}').append(CoreConstants.LINE_SEPARATOR).toString();
    }

    private static void field(StringBuilder line, String name, String value) {
        Escape.json(line, name);
        line.append(':');
        Escape.json(line, value);
    }
}
