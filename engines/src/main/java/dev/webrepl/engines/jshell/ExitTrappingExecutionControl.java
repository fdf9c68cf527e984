package dev.webrepl.engines.jshell;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import jdk.jshell.execution.LocalExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * JShell's local execution, with user classes rewritten as they load:
 * <ul>
 *   <li>every {@code System.exit}, {@code Runtime.exit} and {@code Runtime.halt} call throws
 *       {@link SessionExit} instead, so a LOCAL session's code cannot stop the server (the JDK's
 *       SecurityManager would be process-wide state);</li>
 *   <li>{@code System.out} and {@code System.err} read this session's streams instead, held in static
 *       fields of a small class generated into the session's own class loader (so nothing is shared
 *       between sessions), because JDK 17's local execution leaves them the server's.</li>
 * </ul>
 * The rewrites keep each instruction's stack effect, so no stack map frame changes. Reflective
 * calls, method handles and {@code System.setOut} are not rewritten (README "Engines").
 *
 * <p>JDK 17's local execution makes a new {@link ThreadGroup} for every snippet it runs, under the
 * calling thread's group, and never destroys it: a server with LOCAL sessions kept one per evaluation
 * for ever (JDK 19 and later hold them weakly). So each snippet is run from a thread of this
 * session's own group, a daemon group: the groups made under it are daemon groups too, which the JVM
 * destroys when their last thread has ended (a thread a snippet made and left unstarted keeps its
 * group until it has run, as before).
 *
 * <p>The JDK's local execution also makes its own handler the JVM's default uncaught exception
 * handler at every run: from the first LOCAL snippet on, a server thread that died of an uncaught
 * exception would have done so without a word. Each run puts the JVM's default back (none) after it.
 * The JDK's handler only records a stop of threads a snippet started, which its snippet thread records
 * itself.
 */
final class ExitTrappingExecutionControl extends LocalExecutionControl {
    private static final String TRAP = SessionExit.class.getName().replace('.', '/');
    /** In JShell's own package, so snippet classes can reach it; one per session class loader. */
    private static final String STREAMS = "REPL/$WebreplStreams";

    private final java.io.PrintStream out;
    private boolean streamsInstalled;
    // The parent of the groups the JDK makes for this session's snippets (see above).
    private final ThreadGroup snippetGroups = new ThreadGroup("webrepl-jshell-local");
    // Started only at close: a daemon group without threads or groups is destroyed at once; this one
    // must last while the session does.
    private final Thread keepsGroup = new Thread(snippetGroups, () -> { }, "webrepl-jshell-local-keeper");

    /** The provider {@code JShell.builder().executionEngine(...)} takes. */
    static final class Provider implements ExecutionControlProvider {
        private final java.io.PrintStream out;

        /** @param out where user code's System.out and System.err go */
        Provider(java.io.PrintStream out) {
            this.out = out;
        }

        @Override
        public String name() {
            return "webrepl-local";
        }

        @Override
        public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
            return new ExitTrappingExecutionControl(out);
        }
    }

    ExitTrappingExecutionControl(java.io.PrintStream out) {
        this.out = out;
        snippetGroups.setDaemon(true);
    }

    @Override
    public void load(ClassBytecodes[] classes) throws ClassInstallException, NotImplementedException,
            EngineTerminationException {
        installStreams();
        super.load(rewrite(classes));
    }

    /** Loads the streams holder into this session's class loader and points it at the terminal. */
    private synchronized void installStreams() throws ClassInstallException, NotImplementedException,
            EngineTerminationException {
        if (streamsInstalled) {
            return;
        }
        ClassWriter w = new ClassWriter(0);
        w.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, STREAMS, null,
                "java/lang/Object", null);
        for (String field : new String[] {"out", "err"}) {
            w.visitField(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, field, "Ljava/io/PrintStream;", null, null).visitEnd();
        }
        w.visitEnd();
        super.load(new ClassBytecodes[] {new ClassBytecodes(STREAMS.replace('/', '.'), w.toByteArray())});
        try {
            Class<?> holder = findClass(STREAMS.replace('/', '.'));
            holder.getField("out").set(null, out);
            holder.getField("err").set(null, out);
        } catch (ReflectiveOperationException e) {
            throw new ClassInstallException("cannot set up the session's output streams: " + e, new boolean[] {false});
        }
        streamsInstalled = true;
    }

    @Override
    protected String invoke(Method doitMethod) throws Exception {
        FutureTask<String> run = new FutureTask<>(() -> {
            try {
                return super.invoke(doitMethod);
            } finally {
                forgetJShellsHandler();
            }
        });
        Thread caller = new Thread(snippetGroups, run, "webrepl-jshell-local-run");
        caller.setDaemon(true);
        caller.start();
        caller.join(); // it ends when the snippet has: nothing of this call is left in the group
        try {
            return run.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw (Error) e.getCause();
        }
    }

    /** Takes the JDK's local execution's handler back out of the JVM's default (see above). */
    private static void forgetJShellsHandler() {
        Thread.UncaughtExceptionHandler handler = Thread.getDefaultUncaughtExceptionHandler();
        if (handler != null && handler.getClass().getName().startsWith("jdk.jshell.")) {
            Thread.setDefaultUncaughtExceptionHandler(null);
        }
    }

    @Override
    public void close() {
        super.close();
        try {
            // Its end lets the group go: at once, or when the last thread a snippet started has ended.
            keepsGroup.start();
            keepsGroup.join();
        } catch (IllegalThreadStateException closedBefore) {
            // started by an earlier close
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void redefine(ClassBytecodes[] classes) throws ClassInstallException, NotImplementedException,
            EngineTerminationException {
        super.redefine(rewrite(classes));
    }

    private static ClassBytecodes[] rewrite(ClassBytecodes[] classes) {
        ClassBytecodes[] out = new ClassBytecodes[classes.length];
        for (int i = 0; i < classes.length; i++) {
            out[i] = new ClassBytecodes(classes[i].name(), trapExits(classes[i].bytecodes()));
        }
        return out;
    }

    /** The class with exit calls replaced by calls to {@link SessionExit}. */
    static byte[] trapExits(byte[] bytecode) {
        ClassReader reader = new ClassReader(bytecode);
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9, super.visitMethod(access, name, descriptor, signature, exceptions)) {
                    @Override
                    public void visitFieldInsn(int opcode, String owner, String field, String desc) {
                        if (opcode == Opcodes.GETSTATIC && owner.equals("java/lang/System")
                                && (field.equals("out") || field.equals("err")) && desc.equals("Ljava/io/PrintStream;")) {
                            super.visitFieldInsn(Opcodes.GETSTATIC, STREAMS, field, desc);
                        } else {
                            super.visitFieldInsn(opcode, owner, field, desc);
                        }
                    }

                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                        if (opcode == Opcodes.INVOKESTATIC && owner.equals("java/lang/System")
                                && method.equals("exit") && desc.equals("(I)V")) {
                            super.visitMethodInsn(Opcodes.INVOKESTATIC, TRAP, "exit", "(I)V", false);
                        } else if (opcode == Opcodes.INVOKEVIRTUAL && owner.equals("java/lang/Runtime")
                                && (method.equals("exit") || method.equals("halt")) && desc.equals("(I)V")) {
                            super.visitMethodInsn(Opcodes.INVOKESTATIC, TRAP,
                                    method.equals("exit") ? "runtimeExit" : "runtimeHalt", "(Ljava/lang/Runtime;I)V", false);
                        } else {
                            super.visitMethodInsn(opcode, owner, method, desc, itf);
                        }
                    }
                };
            }
        }, 0);
        return writer.toByteArray();
    }
}
