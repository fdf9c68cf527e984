package dev.webrepl.engines.jshell;

import java.util.Map;
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
 */
final class ExitTrappingExecutionControl extends LocalExecutionControl {
    private static final String TRAP = SessionExit.class.getName().replace('.', '/');
    /** In JShell's own package, so snippet classes can reach it; one per session class loader. */
    private static final String STREAMS = "REPL/$WebreplStreams";

    private final java.io.PrintStream out;
    private boolean streamsInstalled;

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
