package dev.webrepl.engines.jshell;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The server's side of the child JVM's stream: framing, the reply bound and the deserialization filter. */
class ChildJvmTest {
    /** One packet of JShell's multiplexed stream: name length, name, data length, data. */
    private static byte[] packet(String name, int length) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        byte[] p = new byte[2 + n.length + length];
        p[0] = (byte) n.length;
        System.arraycopy(n, 0, p, 1, n.length);
        p[1 + n.length] = (byte) length;
        return p;
    }

    private static byte[] packets(String name, long bytes) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (long sent = 0; sent < bytes; sent += 255) {
            all.writeBytes(packet(name, 255));
        }
        return all.toByteArray();
    }

    private static long drain(InputStream in) throws IOException {
        long n = 0;
        byte[] buffer = new byte[8192];
        for (int r; (r = in.read(buffer)) >= 0; ) {
            n += r;
        }
        return n;
    }

    @Test
    void endingAChildThatHasExitedLeavesItsLastWordsReadable() throws Exception {
        // Process.destroyForcibly closes the streams even of a process that has exited: a child that
        // could not start lost why, and its session said "Stream closed" instead (a flaky test showed it).
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:NoSuchOption", "-version").start();
        assertEquals(1, p.waitFor());

        ChildJvm.end(p);

        assertEquals("Unrecognized VM option 'NoSuchOption'",
                new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
                        .findFirst().orElse(""));
    }

    @Test
    void aReplyOverTheBoundEndsTheStreamButTerminalOutputIsNotCounted() throws IOException {
        ChildJvm.Frames frames = new ChildJvm.Frames(OutputStream.nullOutputStream());
        byte[] output = packets("out", 2 * ChildJvm.MAX_REPLY_BYTES);
        assertEquals(output.length, drain(new ChildJvm.Replies(new ByteArrayInputStream(output), frames)));

        ChildJvm.Replies replies = new ChildJvm.Replies(new ByteArrayInputStream(
                packets("$command", ChildJvm.MAX_REPLY_BYTES + 255)), frames);
        IOException e = assertThrows(IOException.class, () -> drain(replies));
        assertEquals("the child JVM sent more than " + ChildJvm.MAX_REPLY_BYTES + " bytes in one reply", e.getMessage());
    }

    @Test
    void eachCommandTheServerSendsStartsANewReply() throws IOException {
        ChildJvm.Frames frames = new ChildJvm.Frames(OutputStream.nullOutputStream());
        byte[] half = packets("$command", ChildJvm.MAX_REPLY_BYTES / 2 + 255);
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.writeBytes(half);
        both.writeBytes(half);
        ChildJvm.Replies replies = new ChildJvm.Replies(new ByteArrayInputStream(both.toByteArray()), frames);
        byte[] buffer = new byte[half.length];
        assertEquals(half.length, replies.readNBytes(buffer, 0, half.length));
        frames.write(new byte[] {1, 2, 3}); // a command: what follows is its reply

        assertEquals(half.length, drain(replies));
    }

    @Test
    void framesCarryTheBytesWithTheirLengthAndAStopIsOneByte() throws IOException {
        ByteArrayOutputStream child = new ByteArrayOutputStream();
        ChildJvm.Frames frames = new ChildJvm.Frames(child);
        frames.write(new byte[] {7, 8});
        frames.stop();
        frames.write(new byte[ChildJvm.MAX_FRAME + 1]);

        byte[] wire = child.toByteArray();
        assertArrayEquals(new byte[] {ChildJvm.DATA, 0, 2, 7, 8, ChildJvm.STOP, ChildJvm.DATA, (byte) 0xFF, (byte) 0xFF},
                java.util.Arrays.copyOf(wire, 9));
        assertArrayEquals(new byte[] {ChildJvm.DATA, 0, 1, 0}, java.util.Arrays.copyOfRange(wire, 9 + 0xFFFF, wire.length));
    }

    @Test
    void onlyStackTracesAreDeserializedFromTheChild() throws Exception {
        StackTraceElement[] trace = new Throwable().getStackTrace();
        assertArrayEquals(trace, (Object[]) read(trace));

        List<String> other = new ArrayList<>(List.of("any class the server has"));
        assertThrows(InvalidClassException.class, () -> read(other));
    }

    private static Object read(Object written) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(written);
        }
        ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()));
        in.setObjectInputFilter(ChildJvm.REPLIES);
        return in.readObject();
    }

    @Test
    void theChildRunsTheAgentWithTheJvmsOwnMessagesOnStandardError() {
        List<String> command = ChildJvm.unconfined(JShellConfig.defaults().withRemoteVmOptions(List.of("-Xmx64m"))).command();

        assertEquals(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+DisplayVMOutputToStderr", "-Xlog:disable", "-Xlog:all=warning:stderr", "-Xmx64m", "-cp",
                ChildJvm.agentPath().toString(), ExecutionAgent.class.getName()), command);
    }
}
