package dev.webrepl.engines.jshell;

import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * Bounds how many evaluations of one server's JShell sessions compile at once (issue #20). javac's
 * work on a snippet holds a compiler context of several megabytes while it runs, and each session
 * evaluates on a thread of its own: without a bound, a burst of first inputs on a busy machine had
 * 1,355 sessions compiling at once, their contexts filled a 6 GB heap, and the server spent its time
 * in full collections (BENCHMARKS "JShell at scale", 100 typing among 5,000). With the bound the
 * others wait their turn in order, holding no compiler context, and the machine's cores compile at
 * full speed.
 *
 * <p>An evaluation holds a permit from its start until its code starts to run (the execution
 * engine's first call: {@link #around}) or it ends, so code that runs for long (a loop, a sleep)
 * holds none. A wait for a permit ends as soon as the evaluation is cancelled (Ctrl-C, the
 * session's end): it looks every {@link #CANCEL_CHECK_MILLIS} ms while it waits.
 */
final class CompileGate {
    static final long CANCEL_CHECK_MILLIS = 50;

    private final Semaphore permits;
    private final int size;
    private final ThreadLocal<Boolean> holding = ThreadLocal.withInitial(() -> Boolean.FALSE);

    /** A gate that lets {@code size} evaluations compile at once. */
    CompileGate(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("at least one compilation at a time: " + size);
        }
        this.size = size;
        this.permits = new Semaphore(size, true);
    }

    /**
     * Twice as many compilations at once as the machine has cores, at least four: enough to keep the
     * cores busy, and a few compiles that take long (a pathological snippet) do not stop the others,
     * while the compiler contexts in the heap stay a handful.
     */
    static CompileGate forThisMachine() {
        return new CompileGate(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
    }

    /** How many evaluations may compile at once. */
    int size() {
        return size;
    }

    /** How many evaluations wait for a permit now (an estimate, as the semaphore's). */
    int waiting() {
        return permits.getQueueLength();
    }

    /**
     * Waits for a permit for the calling thread, first come first served; true once it has one (or
     * had one already), false if {@code cancelled} said so first or the thread was interrupted.
     */
    boolean enter(BooleanSupplier cancelled) {
        if (holding.get()) {
            return true;
        }
        try {
            while (!permits.tryAcquire(CANCEL_CHECK_MILLIS, TimeUnit.MILLISECONDS)) {
                if (cancelled.getAsBoolean()) {
                    return false;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (cancelled.getAsBoolean()) {
            permits.release();
            return false;
        }
        holding.set(Boolean.TRUE);
        return true;
    }

    /** Gives the calling thread's permit back, if it holds one. */
    void leave() {
        if (holding.get()) {
            holding.set(Boolean.FALSE);
            permits.release();
        }
    }

    /** {@code provider}'s execution engines, each giving the calling thread's permit back when code is loaded or run. */
    ExecutionControlProvider around(ExecutionControlProvider provider) {
        return new ExecutionControlProvider() {
            @Override
            public String name() {
                return provider.name();
            }

            @Override
            public Map<String, String> defaultParameters() {
                return provider.defaultParameters();
            }

            @Override
            public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) throws Throwable {
                return new Running(provider.generate(env, parameters));
            }
        };
    }

    /** An execution engine whose calls mean the compiling is over: the caller's permit goes back first. */
    private final class Running implements ExecutionControl {
        private final ExecutionControl engine;

        Running(ExecutionControl engine) {
            this.engine = engine;
        }

        @Override
        public void load(ClassBytecodes[] cbcs) throws ClassInstallException, NotImplementedException,
                EngineTerminationException {
            leave();
            engine.load(cbcs);
        }

        @Override
        public void redefine(ClassBytecodes[] cbcs) throws ClassInstallException, NotImplementedException,
                EngineTerminationException {
            leave();
            engine.redefine(cbcs);
        }

        @Override
        public String invoke(String className, String methodName) throws RunException, EngineTerminationException,
                InternalException {
            leave();
            return engine.invoke(className, methodName);
        }

        @Override
        public String varValue(String className, String varName) throws RunException, EngineTerminationException,
                InternalException {
            leave();
            return engine.varValue(className, varName);
        }

        @Override
        public void addToClasspath(String path) throws EngineTerminationException, InternalException {
            leave();
            engine.addToClasspath(path);
        }

        @Override
        public void stop() throws EngineTerminationException, InternalException {
            engine.stop(); // from another thread (Ctrl-C): its permit, if any, is not this one
        }

        @Override
        public Object extensionCommand(String command, Object arg) throws RunException, EngineTerminationException,
                InternalException {
            leave();
            return engine.extensionCommand(command, arg);
        }

        @Override
        public void close() {
            engine.close();
        }
    }
}
