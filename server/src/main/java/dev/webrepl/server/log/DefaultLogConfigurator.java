package dev.webrepl.server.log;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.List;

/**
 * Logback's configuration before any command has read its flags (found through
 * META-INF/services): the text format on stderr at the default level, so that nothing logged early
 * lands on stdout at DEBUG, Logback's own default. {@code serve} configures again with its flags.
 */
public final class DefaultLogConfigurator extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext context) {
        LogSetup.configure(context, LogFormat.TEXT, List.of());
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
