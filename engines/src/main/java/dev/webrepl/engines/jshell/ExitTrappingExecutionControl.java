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
 * JShell's local execution, with every {@code System.exit}, {@code Runtime.exit} and
 * {@code Runtime.halt} call in user classes rewritten to throw {@link SessionExit}, so that a LOCAL
 * session's code cannot stop the server (the JDK's SecurityManager would be process-wide state).
 * The rewrite keeps each call's stack effect, so no stack map frame changes. Reflective calls and
 * method handles are not rewritten (README "Engines").
 */
final class ExitTrappingExecutionControl extends LocalExecutionControl {
    private static final String TRAP = SessionExit.class.getName().replace('.', '/');

    /** The provider {@code JShell.builder().executionEngine(...)} takes. */
    static final class Provider implements ExecutionControlProvider {
        @Override
        public String name() {
            return "webrepl-local";
        }

        @Override
        public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
            return new ExitTrappingExecutionControl();
        }
    }

    @Override
    public void load(ClassBytecodes[] classes) throws ClassInstallException, NotImplementedException,
            EngineTerminationException {
        super.load(rewrite(classes));
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
