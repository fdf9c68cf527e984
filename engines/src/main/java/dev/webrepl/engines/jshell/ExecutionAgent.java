package dev.webrepl.engines.jshell;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.util.Map;
import java.util.function.Consumer;
import jdk.jshell.execution.LocalExecutionControl;
import jdk.jshell.execution.Util;

/**
 * The main class of a session's child JVM ({@link ChildJvm}): it runs the snippets JShell sends it
 * with the JDK's {@link LocalExecutionControl} and talks to the server over its standard input and
 * output only (JShell's own multiplexed stream), so it needs neither a debugger connection nor a
 * network: it runs in a sandbox without one.
 *
 * <p>Standard input arrives in frames ({@link ChildJvm#DATA} with a two-byte length, or the one byte
 * {@link ChildJvm#STOP}): a stop has to reach a child that is busy running a snippet, when JShell's
 * command stream is not read. Uses only the JDK: this class is the child's whole class path.
 */
public final class ExecutionAgent {
    // The child's command reader can fall this far behind the frames before the frame reader waits.
    private static final int COMMAND_BUFFER = 64 * 1024;
    // Once the server has gone, how long the JVM's own exit may take before it is halted.
    private static final long EXIT_GRACE_MILLIS = 5_000;

    private ExecutionAgent() {
    }

    public static void main(String[] args) throws IOException {
        OutputStream toServer = new FileOutputStream(FileDescriptor.out);
        InputStream fromServer = new FileInputStream(FileDescriptor.in);
        // Until JShell's forwarding sets them, nothing may write into the protocol on standard output.
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        LocalExecutionControl control = new LocalExecutionControl();
        PipedInputStream commands = new PipedInputStream(COMMAND_BUFFER);
        PipedOutputStream commandSink = new PipedOutputStream(commands);
        Thread frames = new Thread(() -> {
            readFrames(fromServer, commandSink, control);
            haltSoon();
        }, "webrepl-agent-frames");
        frames.setDaemon(true);
        frames.start();
        Map<String, Consumer<OutputStream>> outputs = Map.of(
                "out", st -> System.setOut(new PrintStream(st, true)),
                "err", st -> System.setErr(new PrintStream(st, true)));
        Map<String, Consumer<InputStream>> inputs = Map.of("in", System::setIn);
        Util.forwardExecutionControlAndIO(control, commands, toServer, outputs, inputs);
        // The server closed the stream (or the session ended): whatever user code left running goes too.
        System.exit(0);
    }

    private static void readFrames(InputStream in, PipedOutputStream commands, LocalExecutionControl control) {
        DataInputStream frames = new DataInputStream(in);
        byte[] buffer = new byte[ChildJvm.MAX_FRAME];
        try (commands) {
            while (true) {
                int kind = frames.read();
                if (kind == ChildJvm.STOP) {
                    try {
                        control.stop();
                    } catch (Exception | LinkageError e) {
                        // nothing running, or this JDK cannot stop it: the snippet goes on
                    }
                } else if (kind == ChildJvm.DATA) {
                    int length = frames.readUnsignedShort();
                    frames.readFully(buffer, 0, length);
                    commands.write(buffer, 0, length);
                    commands.flush(); // wakes the reader now, not at its next one-second poll
                } else {
                    return; // end of input, or a frame the server never sends
                }
            }
        } catch (EOFException e) {
            // the server went away mid-frame
        } catch (IOException e) {
            // the command reader has gone: the JVM is ending
        }
    }

    /**
     * The server has gone: it ended the session, or it died without a word (SIGKILL, the OOM killer).
     * The command loop ends and the JVM exits; but user code may hold that up for ever (a snippet that
     * never ends, a shutdown hook that never returns), and without a sandbox nothing else would end
     * this JVM. So it is halted after a grace: no child outlives its server.
     */
    private static void haltSoon() {
        try {
            Thread.sleep(EXIT_GRACE_MILLIS);
        } catch (InterruptedException e) {
            // halted at once
        }
        // Not 0: an archiving child halted while its JVM writes the class archive must not look as if
        // it had exited by itself, which is when ChildClasses keeps the archive.
        Runtime.getRuntime().halt(1);
    }
}
