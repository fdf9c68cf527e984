package dev.webrepl.jmh;

import dev.webrepl.core.protocol.Utf8TextFramer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link Utf8TextFramer#write}: every byte of terminal output passes through it on its way to the
 * terminals. Frames go to the blackhole. Each operation leaves nothing pending, so every invocation
 * starts from the same state.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class Utf8TextFramerBenchmark {
    private Utf8TextFramer framer;
    private byte[] ascii16;
    private byte[] ascii4KiB;
    private byte[] mixed4KiB;
    /** {@link #mixed4KiB} in four writes, each cut inside a multi-byte sequence. */
    private byte[][] mixed4KiBPieces;
    private byte[] ascii96KiB;

    @Setup
    public void setUp(Blackhole blackhole) {
        framer = new Utf8TextFramer(blackhole::consume);
        ascii16 = ascii(16);
        ascii4KiB = ascii(4096);
        ascii96KiB = ascii(96 * 1024);
        mixed4KiB = mixedText(4096);
        mixed4KiBPieces = cutInsideSequences(mixed4KiB, 1024, 2048, 3072);
        for (byte[] piece : mixed4KiBPieces) {
            framer.write(piece);
        }
        if (framer.pendingBytes() != 0) {
            throw new IllegalStateException("the pieces must end on a character boundary");
        }
    }

    /** Program output: lines of printable ASCII with CR LF, as a REPL prints. */
    private static byte[] ascii(int size) {
        byte[] line = ">>> print(sum(range(100)))\r\n4950\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] text = new byte[size];
        for (int i = 0; i < size; i++) {
            text[i] = line[i % line.length];
        }
        return text;
    }

    /** At most {@code size} bytes of UTF-8 mixing 1-, 2-, 3- and 4-byte characters, whole characters only. */
    private static byte[] mixedText(int size) {
        String[] chars = {"a", "\r\n", "é", "Д", "€", "中", "😀", "𝄞", " "};
        Random random = new Random(8);
        StringBuilder text = new StringBuilder();
        int bytes = 0;
        while (true) {
            String c = chars[random.nextInt(chars.length)];
            int n = c.getBytes(StandardCharsets.UTF_8).length;
            if (bytes + n > size) {
                return text.toString().getBytes(StandardCharsets.UTF_8);
            }
            text.append(c);
            bytes += n;
        }
    }

    /** Cuts {@code text} near each position, moved forward onto a continuation byte, so a sequence straddles the cut. */
    private static byte[][] cutInsideSequences(byte[] text, int... near) {
        byte[][] pieces = new byte[near.length + 1][];
        int from = 0;
        for (int k = 0; k < near.length; k++) {
            int cut = near[k];
            while ((text[cut] & 0xC0) != 0x80) {
                cut++;
            }
            pieces[k] = Arrays.copyOfRange(text, from, cut);
            from = cut;
        }
        pieces[near.length] = Arrays.copyOfRange(text, from, text.length);
        return pieces;
    }

    /** A short line of output, e.g. a keystroke's echo with a prompt. */
    @Benchmark
    public void ascii16B() {
        framer.write(ascii16);
    }

    @Benchmark
    public void ascii4KiB() {
        framer.write(ascii4KiB);
    }

    /** Mixed text in one write. */
    @Benchmark
    public void mixed4KiB() {
        framer.write(mixed4KiB);
    }

    /** The same text in four writes, each cut inside a character: three sequences wait for their rest. */
    @Benchmark
    public void mixed4KiBSplitAcrossWrites() {
        for (byte[] piece : mixed4KiBPieces) {
            framer.write(piece);
        }
    }

    /** 96 KiB in one write: cut into a 65535-byte frame and the rest. */
    @Benchmark
    public void ascii96KiB() {
        framer.write(ascii96KiB);
    }
}
