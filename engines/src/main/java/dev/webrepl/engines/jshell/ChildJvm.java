package dev.webrepl.engines.jshell;

import dev.webrepl.engines.sandbox.Confinement;
import dev.webrepl.engines.sandbox.Sandbox;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInput;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutput;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.jshell.execution.StreamingExecutionControl;
import jdk.jshell.execution.Util;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * REMOTE execution: one child JVM per JShell instance running {@link ExecutionAgent}, spoken to over
 * its standard input and output with JShell's own stream protocol ({@link Util#remoteInputOutput}),
 * instead of the JDK's launcher, which starts the child with a debugger connection and two loopback
 * TCP connections. That launcher runs {@code $JAVA_HOME/bin/java} itself, so the child could not be
 * put in a sandbox; this one runs any command line, so with a {@link Confinement} the child is in the
 * session's bubblewrap sandbox with its limits (no network needed), and without one it runs as the
 * server's user as before.
 *
 * <p>The child runs the user's code, so what it sends is read as hostile: the objects JShell
 * deserializes from it (a user exception's stack trace) are limited to {@link StackTraceElement}s by
 * a filter (the JDK's launcher reads any class the server has), and the bytes of one reply are capped
 * ({@link #MAX_REPLY_BYTES}); past either, the child is ended ({@code State engine terminated}).
 * Its standard error keeps the last {@link #ERROR_TAIL} bytes, said when it fails to start.
 */
final class ChildJvm implements ExecutionControlProvider {
    /** A frame of JShell's stream to the child: this byte, a two-byte length, the bytes. */
    static final int DATA = 1;
    /** Stop the running snippet (Ctrl-C): one byte, read by the child while its snippet runs. */
    static final int STOP = 2;
    static final int MAX_FRAME = 0xFFFF;
    /** What one reply of the child may take; a stack trace of the deepest recursion is about 150 KB. */
    static final long MAX_REPLY_BYTES = 16L << 20;
    private static final int ERROR_TAIL = 2048;
    private static final long START_TIMEOUT_SECONDS = 60;
    /** How long the archiving child may take to exit after its close command (it writes the archive). */
    private static final long ARCHIVE_EXIT_SECONDS = 60;
    /** A user exception's stack trace is all JShell's reading side deserializes. */
    static final ObjectInputFilter REPLIES = ObjectInputFilter.Config.createFilter(
            "java.lang.StackTraceElement;maxdepth=4;maxarray=100000;maxrefs=1000000;maxbytes=" + MAX_REPLY_BYTES + ";!*");

    private final List<String> command;
    private final Confinement confinement;
    // The child that makes the class archive (ChildClasses): closing lets it exit by itself, which writes the archive.
    private final boolean exitsOnClose;
    private volatile boolean abandoned;
    private volatile boolean exitedByItself;
    private volatile Process process;
    private volatile String failure;
    private volatile Deferred control;   // what generate made: one JShell per ChildJvm

    private ChildJvm(List<String> command, Confinement confinement, boolean exitsOnClose) {
        this.command = List.copyOf(command);
        this.confinement = confinement;
        this.exitsOnClose = exitsOnClose;
    }

    /**
     * A child JVM as the server's user, in the server's directory and environment (as the JDK's launcher
     * runs it), with {@code config}'s options, class path and class archive.
     */
    static ChildJvm unconfined(JShellConfig config) {
        return new ChildJvm(java(Path.of(System.getProperty("java.home")), config.childClasses().launch(config)), null,
                false);
    }

    /**
     * The child that makes the class archive ({@link ChildClasses}): as {@link #unconfined}, but closing
     * it tells it to end and waits until it has exited by itself ({@link #exitedByItself()}), unless
     * {@link #abandon()}ed.
     */
    static ChildJvm archiving(ChildClasses.Launch launch) {
        return new ChildJvm(java(Path.of(System.getProperty("java.home")), launch), null, true);
    }

    /**
     * A child JVM in {@code confinement}'s sandbox: the session's file root its working directory
     * and {@code $HOME}, the JDK, the class path and the class archive read-only, the server's
     * environment reduced to {@link Sandbox#environment}. {@link #close} ends the confinement with the child.
     */
    static ChildJvm confined(Confinement confinement, JShellConfig config) {
        ChildClasses.Launch launch = config.childClasses().launch(config);
        Path javaHome = Path.of(System.getProperty("java.home"));
        List<String> readOnly = new ArrayList<>(launch.readOnly());
        if (!List.of("usr", "bin", "lib", "lib64").contains(javaHome.getName(0).toString())) {
            readOnly.add(javaHome.toString());
        }
        List<String> line = confinement.command(java(javaHome, launch), Sandbox.environment(System.getenv()),
                readOnly, true);
        return new ChildJvm(line, confinement, false);
    }

    private static List<String> java(Path javaHome, ChildClasses.Launch launch) {
        List<String> c = new ArrayList<>();
        c.add(javaHome.resolve("bin").resolve("java").toString());
        // Standard output is the protocol: the JVM's own messages go to standard error instead (its
        // unified log writes warnings to standard output by default, e.g. a thread it cannot start).
        c.addAll(List.of("-XX:+DisplayVMOutputToStderr", "-Xlog:disable", "-Xlog:all=warning:stderr"));
        c.addAll(launch.options());
        c.addAll(List.of("-cp", launch.classPath().toString(), ExecutionAgent.class.getName()));
        return c;
    }

    /** Closing ends it at once from now on (the server closes while it makes the archive). */
    void abandon() {
        abandoned = true;
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
        }
    }

    /** Whether, closed, it exited by itself with status 0 ({@link #archiving}). */
    boolean exitedByItself() {
        return exitedByItself;
    }

    private boolean killOnClose() {
        return !exitsOnClose || abandoned;
    }

    /** The jar or directory {@link ExecutionAgent} is loaded from (this module's). */
    static Path agentPath() {
        try {
            return Path.of(ExecutionAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("the engines' class path is not a file: " + e.getMessage(), e);
        }
    }

    Optional<Confinement> confinement() {
        return Optional.ofNullable(confinement);
    }

    /** The command line the child runs with (for tests and the log). */
    List<String> command() {
        return command;
    }

    @Override
    public String name() {
        return "webrepl-child";
    }

    @Override
    public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) throws Throwable {
        ProcessBuilder builder = new ProcessBuilder(command);
        Process process;
        try {
            // A confined child starts on its sandbox's launcher: bwrap's --die-with-parent is bound to the starting thread.
            process = confinement != null ? confinement.launch(builder::start, Process::onExit) : builder.start();
        } catch (IOException e) {
            closeConfinement();
            throw e;
        }
        this.process = process;
        if (abandoned) {
            process.destroyForcibly();
        }
        ErrorTail errors = new ErrorTail(process.getErrorStream());
        AtomicBoolean started = new AtomicBoolean();
        // A child that neither answers nor exits (a hung sandbox) must not hold the session for ever.
        CompletableFuture.delayedExecutor(START_TIMEOUT_SECONDS, TimeUnit.SECONDS).execute(() -> {
            if (!started.get()) {
                process.destroyForcibly();
            }
        });
        // The child JVM starts while JShell compiles the start-up imports (they need no child): the
        // handshake waits for it on a thread of its own, and the first command waits for the handshake.
        CompletableFuture<ExecutionControl> ready = new CompletableFuture<>();
        Thread handshake = new Thread(() -> {
            try {
                Frames toChild = new Frames(process.getOutputStream());
                ExecutionControl control = Util.remoteInputOutput(new Replies(process.getInputStream(), toChild),
                        toChild, Map.of("out", env.userOut(), "err", env.userErr()),
                        // User code reading System.in gets its end, never the server's standard input.
                        Map.of("in", InputStream.nullInputStream()),
                        (in, out) -> new Control(out, filtered(in), toChild, process, this));
                started.set(true);
                ready.complete(control);
            } catch (IOException | RuntimeException e) {
                started.set(true);
                // Its last words first: killing it, even once it has exited, closes its standard error,
                // and what the reader had not read yet would be lost ("Stream closed" instead of why).
                try {
                    if (!process.waitFor(2, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                    }
                } catch (InterruptedException interrupted) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
                String why = errors.await(process);
                closeConfinement();
                failure = "the child JVM did not start: " + (why.isEmpty() ? e.toString() : why);
                ready.completeExceptionally(new IOException(failure, e));
            }
        }, "webrepl-jshell-child-start");
        handshake.setDaemon(true);
        handshake.start();
        process.onExit().thenRun(env::closeDown);
        Deferred deferred = new Deferred(ready, process, this);
        control = deferred;
        return deferred;
    }

    /**
     * From now until {@link #caughtUp()}, the child runs the snippets behind JShell (a restore's
     * replay, JShell's start): a snippet's classes and its run are queued in order for the child, and
     * JShell goes on compiling the next one at once, as if they had succeeded, while the child still
     * starts or runs the one before. Any other call waits for the queue first. What failed is told by
     * {@link #caughtUp()}, for the snippet {@link #behind(int)} named when it was queued.
     */
    void runBehind() {
        Deferred d = control;
        if (d != null) {
            d.runBehind();
        }
    }

    /** The snippet whose calls are queued from now: a restore's index, or {@link #STARTING}. */
    void behind(int snippet) {
        Deferred d = control;
        if (d != null) {
            d.tag = snippet;
        }
    }

    /** Start-up and warm-up snippets' tag. */
    static final int STARTING = -1;

    /**
     * Waits until the child has run everything queued since {@link #runBehind()} and stops queueing;
     * returns why snippets failed there, by their tag: {@code threw} and the exception's class,
     * {@code stopped} (Ctrl-C), {@code state engine terminated}, {@code not loaded}. Nothing when not
     * running behind.
     */
    SortedMap<Integer, String> caughtUp() {
        Deferred d = control;
        return d == null ? new TreeMap<>() : d.caughtUp();
    }

    /** Why the child JVM did not start, once that is known. */
    Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Why the child JVM did not start, waiting until its handshake has ended: its exit closes JShell
     * (an evaluation fails) before the handshake has said why.
     */
    Optional<String> awaitFailure() {
        Deferred d = control;
        if (d != null) {
            d.ready.handle((started, e) -> null).join();
        }
        return failure();
    }

    /**
     * The child's execution control once its handshake is done; each command waits for that, and
     * while it runs behind ({@link #runBehind()}) loads and runs are queued for a thread of its own.
     */
    private static final class Deferred implements ExecutionControl {
        static final String TERMINATED = "state engine terminated";
        private final CompletableFuture<ExecutionControl> ready;
        private final Process process;
        private final ChildJvm owner;
        private final Object queueLock = new Object();
        private ExecutorService queue;   // guarded by queueLock; non-null while behind
        private final SortedMap<Integer, String> failed = new TreeMap<>();   // guarded by itself
        volatile int tag = STARTING;
        // A Ctrl-C while behind that no run has taken yet: the next queued run of a replayed snippet is not started.
        private volatile boolean stopWanted;
        private volatile int stopTag;

        Deferred(CompletableFuture<ExecutionControl> ready, Process process, ChildJvm owner) {
            this.ready = ready;
            this.process = process;
            this.owner = owner;
        }

        private ExecutionControl ready() throws EngineTerminationException {
            try {
                return ready.get();
            } catch (ExecutionException e) {
                throw new EngineTerminationException(e.getCause().getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EngineTerminationException("interrupted while the child JVM started");
            }
        }

        /** The control for a call now: what was queued before it has run first. */
        private ExecutionControl control() throws EngineTerminationException {
            ExecutorService q;
            synchronized (queueLock) {
                q = queue;
            }
            if (q != null) {
                try {
                    q.submit(() -> { }).get();
                } catch (RejectedExecutionException | ExecutionException e) {
                    throw new EngineTerminationException("closed");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new EngineTerminationException("interrupted while the child caught up");
                }
            }
            return ready();
        }

        void runBehind() {
            synchronized (queueLock) {
                if (queue == null) {
                    queue = Executors.newSingleThreadExecutor(runnable -> {
                        Thread thread = new Thread(runnable, "webrepl-jshell-behind");
                        thread.setDaemon(true);
                        return thread;
                    });
                    stopWanted = false;
                    synchronized (failed) {
                        failed.clear();
                    }
                }
            }
        }

        SortedMap<Integer, String> caughtUp() {
            ExecutorService q;
            synchronized (queueLock) {
                q = queue;
                queue = null;
            }
            if (q != null) {
                q.shutdown(); // what is queued still runs
                try {
                    while (!q.awaitTermination(1, TimeUnit.MINUTES)) {
                        // a replayed snippet that runs long: Ctrl-C or the session's end stops it
                    }
                } catch (InterruptedException e) {
                    q.shutdownNow();
                    Thread.currentThread().interrupt();
                }
                if (stopWanted) {
                    stopWanted = false;
                    fail(stopTag, "stopped"); // nothing ran after the Ctrl-C: the snippet it came during
                }
            }
            synchronized (failed) {
                SortedMap<Integer, String> copy = new TreeMap<>(failed);
                failed.clear();
                return copy;
            }
        }

        private void fail(int snippet, String why) {
            synchronized (failed) {
                failed.putIfAbsent(snippet, why);
            }
        }

        /** Queues {@code call} if running behind; false if not (then the caller calls now). */
        private boolean queued(Runnable call) {
            synchronized (queueLock) {
                if (queue == null) {
                    return false;
                }
                int snippet = tag;
                try {
                    queue.execute(call);
                } catch (RejectedExecutionException closed) {
                    fail(snippet, TERMINATED);
                }
                return true;
            }
        }

        /** The child cannot go on (a broken stream): end it, and with it the JShell (JShell would have). */
        private void terminated(int snippet) {
            fail(snippet, TERMINATED);
            end(process);
        }

        @Override
        public void load(ClassBytecodes[] cbcs)
                throws ClassInstallException, NotImplementedException, EngineTerminationException {
            int snippet = tag;
            boolean queued = queued(() -> {
                try {
                    ready().load(cbcs);
                } catch (ClassInstallException | NotImplementedException e) {
                    fail(snippet, "not loaded");
                } catch (EngineTerminationException e) {
                    terminated(snippet);
                }
            });
            if (!queued) {
                control().load(cbcs);
            }
        }

        @Override
        public void redefine(ClassBytecodes[] cbcs)
                throws ClassInstallException, NotImplementedException, EngineTerminationException {
            control().redefine(cbcs);
        }

        @Override
        public String invoke(String className, String methodName)
                throws RunException, EngineTerminationException, InternalException {
            int snippet = tag;
            boolean queued = queued(() -> {
                if (stopWanted && snippet != STARTING) {
                    stopWanted = false;
                    fail(snippet, "stopped");
                    return;
                }
                try {
                    ready().invoke(className, methodName);
                } catch (UserException e) {
                    fail(snippet, "threw " + e.causeExceptionClass());
                } catch (ResolutionException e) {
                    fail(snippet, "UnresolvedReferenceException");
                } catch (StoppedException e) {
                    if (snippet != STARTING) { // a Ctrl-C meant for the replay that met the warm-up: no failure
                        stopWanted = false;
                        fail(snippet, "stopped");
                    }
                } catch (RunException | InternalException e) {
                    // JShell reports neither as the snippet's failure
                } catch (EngineTerminationException e) {
                    terminated(snippet);
                }
            });
            // Behind, the value is not known yet: a replay does not show it.
            return queued ? "" : control().invoke(className, methodName);
        }

        @Override
        public String varValue(String className, String varName)
                throws RunException, EngineTerminationException, InternalException {
            return control().varValue(className, varName);
        }

        @Override
        public void addToClasspath(String path) throws EngineTerminationException, InternalException {
            control().addToClasspath(path);
        }

        @Override
        public void stop() throws EngineTerminationException, InternalException {
            synchronized (queueLock) {
                if (queue != null && tag != STARTING) { // the start-up's own snippets are not the user's to stop
                    stopTag = tag;
                    stopWanted = true;
                }
            }
            if (ready.isDone() && !ready.isCompletedExceptionally()) {
                ready.join().stop(); // before the handshake nothing runs yet
            }
        }

        @Override
        public Object extensionCommand(String command, Object arg)
                throws RunException, EngineTerminationException, InternalException {
            return control().extensionCommand(command, arg);
        }

        @Override
        public void close() {
            if (owner.killOnClose() || !ready.isDone() || ready.isCompletedExceptionally()) {
                end(process); // a handshake still waiting ends with the child
            }
            synchronized (queueLock) {
                if (queue != null) {
                    queue.shutdownNow();
                }
            }
            try {
                ready().close();
            } catch (EngineTerminationException e) {
                owner.closeConfinement(); // the handshake failed and has released it (idempotent)
            }
        }
    }

    /**
     * Ends {@code process} if it still runs. One that has exited is left alone: destroying it would
     * close its standard error, and the reader of its last words ({@link ErrorTail}) would lose what it
     * had not read yet.
     */
    static void end(Process process) {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    private static ObjectInput filtered(ObjectInput in) {
        ((ObjectInputStream) in).setObjectInputFilter(REPLIES);
        return in;
    }

    /** After the child has ended: a limit it passed is told (its memory), then its sandbox goes. */
    private void closeConfinement() {
        if (confinement != null) {
            confinement.reportLimit();
            confinement.close();
        }
    }

    /** JShell's end: close the stream, end the child and what it started, release its sandbox. */
    private static final class Control extends StreamingExecutionControl {
        private final Frames toChild;
        private final Process process;
        private final ChildJvm owner;

        Control(ObjectOutput out, ObjectInput in, Frames toChild, Process process, ChildJvm owner) {
            super(out, in);
            this.toChild = toChild;
            this.process = process;
            this.owner = owner;
        }

        @Override
        public void stop() {
            toChild.requestStop();
        }

        @Override
        public void close() {
            boolean kill = owner.killOnClose();
            if (kill) {
                end(process); // nothing in the child to save; a close command could wait on a full pipe
            }
            // The close command: the agent's loop ends and the child exits (archiving: writing the archive).
            super.close();
            try {
                toChild.close();
            } catch (IOException e) {
                // the pipe has gone with the child
            }
            try {
                if (process.waitFor(kill ? 10 : ARCHIVE_EXIT_SECONDS, TimeUnit.SECONDS)) {
                    owner.exitedByItself = !kill && !owner.abandoned && process.exitValue() == 0;
                } else {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            owner.closeConfinement();
        }
    }

    /** The server's side of {@link ExecutionAgent}'s framing; each write reaches the child at once. */
    static final class Frames extends OutputStream {
        private final OutputStream child;
        private volatile Replies replies;
        private final Object stopSignal = new Object();
        private boolean stopWanted;
        private boolean closed;
        private Thread stopper;

        Frames(OutputStream child) {
            this.child = child;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
            Replies r = replies;
            if (r != null) {
                r.commandSent(); // what the child sends now answers this
            }
            while (length > 0) {
                int n = Math.min(length, MAX_FRAME);
                child.write(new byte[] {DATA, (byte) (n >>> 8), (byte) n});
                child.write(bytes, offset, n);
                offset += n;
                length -= n;
            }
            child.flush();
        }

        synchronized void stop() throws IOException {
            child.write(STOP);
            child.flush();
        }

        /**
         * Ctrl-C: a {@link #STOP} written by a thread of this stream's own, started at the first one,
         * because a Ctrl-C must never wait (LineDiscipline#interrupt) and the write waits when the
         * child has stopped reading (a full pipe, held by the lock of a command being written).
         * Requests while one waits count once.
         */
        void requestStop() {
            synchronized (stopSignal) {
                if (closed) {
                    return;
                }
                stopWanted = true;
                if (stopper == null) {
                    stopper = new Thread(this::stopLoop, "webrepl-jshell-child-stop");
                    stopper.setDaemon(true);
                    stopper.start();
                }
                stopSignal.notifyAll();
            }
        }

        private void stopLoop() {
            try {
                while (true) {
                    synchronized (stopSignal) {
                        while (!stopWanted) {
                            stopSignal.wait();
                        }
                        stopWanted = false;
                    }
                    stop();
                }
            } catch (InterruptedException | IOException e) {
                // closed, or the child has gone: nothing left to stop
            }
        }

        @Override
        public void close() throws IOException {
            synchronized (stopSignal) {
                closed = true;
                if (stopper != null) {
                    stopper.interrupt();
                }
            }
            child.close(); // not under the lock: a writer waiting on a child that does not read must not hold it up
        }
    }

    /**
     * The child's standard output, read through JShell's packet format ({@code name length, name,
     * data length, data}) to count the bytes of its command replies: more than {@link
     * #MAX_REPLY_BYTES} since the server's last command ends the stream (JShell would buffer them all).
     */
    static final class Replies extends FilterInputStream {
        private static final byte[] COMMAND = "$command".getBytes(StandardCharsets.US_ASCII);
        private int state; // 0 name length, 1 name, 2 data length, 3 data
        private int remaining;
        private final byte[] name = new byte[255];
        private int nameLength;
        private boolean command;
        private long replyBytes;

        Replies(InputStream child, Frames frames) {
            super(child);
            frames.replies = this;
        }

        synchronized void commandSent() {
            replyBytes = 0;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                see(b);
            }
            return b;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) throws IOException {
            int n = super.read(bytes, offset, length);
            for (int i = 0; i < n; i++) {
                see(bytes[offset + i] & 0xFF);
            }
            return n;
        }

        private synchronized void see(int b) throws IOException {
            switch (state) {
                case 0 -> {
                    nameLength = 0;
                    remaining = b;
                    state = b == 0 ? 2 : 1;
                }
                case 1 -> {
                    name[nameLength++] = (byte) b;
                    if (--remaining == 0) {
                        command = java.util.Arrays.equals(name, 0, nameLength, COMMAND, 0, COMMAND.length);
                        state = 2;
                    }
                }
                case 2 -> {
                    remaining = b;
                    state = b == 0 ? 0 : 3;
                }
                default -> {
                    if (command && ++replyBytes > MAX_REPLY_BYTES) {
                        throw new IOException("the child JVM sent more than " + MAX_REPLY_BYTES + " bytes in one reply");
                    }
                    if (--remaining == 0) {
                        state = 0;
                    }
                }
            }
        }
    }

    /** The last {@link #ERROR_TAIL} bytes of the child's standard error, read on a thread of its own. */
    private static final class ErrorTail {
        private final ByteArrayOutputStream tail = new ByteArrayOutputStream();
        private final Thread reader;

        ErrorTail(InputStream errors) {
            reader = new Thread(() -> {
                byte[] buffer = new byte[1024];
                try (errors) {
                    for (int n; (n = errors.read(buffer)) >= 0; ) {
                        synchronized (tail) {
                            tail.write(buffer, 0, n);
                            if (tail.size() > ERROR_TAIL) {
                                byte[] all = tail.toByteArray();
                                tail.reset();
                                tail.write(all, all.length - ERROR_TAIL, ERROR_TAIL);
                            }
                        }
                    }
                } catch (IOException e) {
                    // the child has gone
                }
            }, "webrepl-jshell-child-stderr");
            reader.setDaemon(true);
            reader.start();
        }

        /** The first line of what the child wrote to standard error, once it has ended. */
        String await(Process process) {
            try {
                process.waitFor(10, TimeUnit.SECONDS);
                reader.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (tail) {
                return tail.toString(StandardCharsets.UTF_8).strip().lines().findFirst().orElse("");
            }
        }
    }
}
