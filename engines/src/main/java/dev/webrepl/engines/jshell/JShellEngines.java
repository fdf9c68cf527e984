package dev.webrepl.engines.jshell;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.LineEvaluator;
import dev.webrepl.engines.sandbox.Confinement;
import dev.webrepl.engines.sandbox.Sandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
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
            CompileGate gate = CompileGate.forThisMachine(); // one for all of the factory's sessions
            // Started by the evaluator: a restore's replay compiles while the child JVM starts.
            return () -> new JShellEvaluator(() -> JShellInstance.starting(config, gate), hibernation);
        }
        checkPool(config, pool);
        return () -> new JShellEvaluator(pool::take, hibernation);
    }

    /**
     * Evaluators whose REMOTE child JVMs run in {@code sandbox} when it confines: each instance in a
     * sandbox of its own over the session's file root, with the sandbox's limits; passing the memory
     * limit ends the session with the reason. Instances come from {@code pool} (made by
     * {@link JShellPool#confined}) for sessions over its root, else start on first use; a warm child
     * of one root would be in the wrong sandbox for another (a server with users).
     */
    public static Supplier<LineEvaluator> factory(JShellConfig config, JShellPool pool, Sandbox sandbox) {
        return factory(config, pool, sandbox, Hibernation.never());
    }

    /** As {@link #factory(JShellConfig, JShellPool, Sandbox)}, each session hibernating as {@code hibernation} says. */
    public static Supplier<LineEvaluator> factory(JShellConfig config, JShellPool pool, Sandbox sandbox,
            Hibernation hibernation) {
        if (!sandbox.confines() || config.execution() != JShellConfig.Execution.REMOTE) {
            return factory(config, pool, hibernation);
        }
        if (pool != null) {
            checkPool(config, pool);
            if (pool.root() == null) {
                throw new IllegalArgumentException("the pool's instances are not sandboxed");
            }
        }
        CompileGate gate = pool != null ? pool.gate() : CompileGate.forThisMachine();
        return () -> new JShellEvaluator((EngineContext context) -> {
            if (context == null) {
                throw new IllegalStateException("a sandboxed JShell needs its session");
            }
            Path root = realPath(context.workingDirectory());
            JShellInstance instance = pool != null && pool.root().equals(root) ? pool.take()
                    : confined(config, sandbox, context.sessionId(), root, gate);
            instance.confinement().ifPresent(c -> c.onLimit(context::limitReached));
            return instance;
        }, hibernation);
    }

    private static void checkPool(JShellConfig config, JShellPool pool) {
        if (!pool.config().equals(config)) {
            throw new IllegalArgumentException("the pool was built for " + pool.config() + ", not " + config);
        }
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("the session's file root: " + e.getMessage(), e);
        }
    }

    /**
     * A REMOTE instance whose child JVM runs in a sandbox of its own over {@code root}, named for
     * {@code sessionId}; the child may still be starting ({@link JShellInstance#starting(JShellConfig)}).
     */
    static JShellInstance confined(JShellConfig config, Sandbox sandbox, String sessionId, Path root,
            CompileGate gate) {
        Confinement confinement;
        try {
            confinement = sandbox.confine(sessionId, root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the session's sandbox: " + e.getMessage(), e);
        }
        // The instance owns the confinement from here: its child JVM's end releases it.
        try {
            return JShellInstance.starting(config, ChildJvm.confined(confinement, config), gate);
        } catch (RuntimeException e) {
            confinement.close(); // idempotent: a child that started has released it already
            throw e;
        }
    }
}
