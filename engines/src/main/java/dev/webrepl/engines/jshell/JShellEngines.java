package dev.webrepl.engines.jshell;

import dev.webrepl.core.engine.LineEvaluator;
import java.util.function.Supplier;

/** Wiring for the server: one {@link JShellEvaluator} per session, each wrapped in a line discipline there. */
public final class JShellEngines {
    private JShellEngines() {
    }

    /**
     * Evaluators whose instances come from {@code pool} when given (it must have been built with
     * {@code config}), else are started on first use.
     */
    public static Supplier<LineEvaluator> factory(JShellConfig config, JShellPool pool) {
        return factory(config, pool, Hibernation.never());
    }

    /** As {@link #factory(JShellConfig, JShellPool)}, each session hibernating as {@code hibernation} says. */
    public static Supplier<LineEvaluator> factory(JShellConfig config, JShellPool pool, Hibernation hibernation) {
        if (pool == null) {
            return () -> new JShellEvaluator(() -> JShellInstance.start(config), hibernation);
        }
        if (!pool.config().equals(config)) {
            throw new IllegalArgumentException("the pool was built for " + pool.config() + ", not " + config);
        }
        return () -> new JShellEvaluator(pool::take, hibernation);
    }
}
