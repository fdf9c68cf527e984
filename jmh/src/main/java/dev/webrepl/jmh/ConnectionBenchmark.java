package dev.webrepl.jmh;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.FileRequest;
import dev.webrepl.core.protocol.FileTransferChannel;
import dev.webrepl.core.protocol.Opcode;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.core.protocol.TransferListener;
import dev.webrepl.core.protocol.WebReplConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;
import reactor.core.publisher.Mono;

/**
 * {@link WebReplConnection#onFrame} after login: what the I/O thread spends parsing one frame.
 *
 * <p>Terminal input goes to a terminal that takes it at once (the session's queue is not measured).
 * The parser benchmarks of the file channel use GET_VER: {@link FileTransferChannel} takes a
 * {@link FileStore}, a final class over {@code java.nio.file} with no in-memory stand-in, so a
 * PUT would measure the file system (create, write, fsync, rename) rather than the parser, while
 * GET_VER goes through the same header state machine and touches no disk. One PUT on a tmpfs
 * ({@code /dev/shm} when present) is measured beside them, labelled as such, for scale.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ConnectionBenchmark {
    private static final byte[] VERSION = {1, 0x1D, 0};
    /** The legacy client's PUT frame size (webrepl_cli.py), and the tmpfs PUT's size. */
    private static final int PUT_FRAME = 1024;
    private static final int PUT_SIZE = 16 * PUT_FRAME;

    private WebReplConnection connection;
    private Path root;
    private byte[] keystroke;
    private byte[] paste;
    private byte[] getVerHead;
    private byte[] getVerTail;
    private byte[] putHead;
    private byte[] putTail;
    private byte[] putFrame;

    @Setup
    public void login(Blackhole blackhole) throws IOException {
        Path shm = Path.of("/dev/shm");
        root = Files.createTempDirectory(Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")),
                "webrepl-jmh-");
        FileStore store = new FileStore(root);
        connection = new WebReplConnection(PasswordCheck.plain("benchmark"), () -> new TakingTerminal(blackhole),
                replies -> new FileTransferChannel(store, FileTransferChannel.MAX_CHUNK, VERSION, replies,
                        TransferListener.NONE),
                new ConsumingWire(blackhole));
        connection.start();
        connection.onFrame(Opcode.TEXT, "benchmark\r".getBytes(StandardCharsets.US_ASCII));
        if (!connection.loggedIn()) {
            throw new IllegalStateException("login failed");
        }
        keystroke = new byte[] {'x'};
        paste = pasteText(1024);
        // webrepl_cli.py sends the record in two writes, 10 + 72 bytes (spec §4.1): two frames here.
        byte[] getVer = FileRequest.of(FileRequest.GET_VER, 0, "").encode();
        getVerHead = Arrays.copyOfRange(getVer, 0, 10);
        getVerTail = Arrays.copyOfRange(getVer, 10, FileRequest.LENGTH);
        byte[] put = FileRequest.of(FileRequest.PUT_FILE, PUT_SIZE, "bench.bin").encode();
        putHead = Arrays.copyOfRange(put, 0, 10);
        putTail = Arrays.copyOfRange(put, 10, FileRequest.LENGTH);
        putFrame = new byte[PUT_FRAME];
        Arrays.fill(putFrame, (byte) 0x5A);
    }

    @TearDown
    public void close() throws IOException {
        connection.close();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** 1 KiB of Python source as a paste sends it: printable ASCII lines ending in CR. */
    private static byte[] pasteText(int size) {
        byte[] line = "for i in range(10):\r    print(i, i * i, 'squares')\r".getBytes(StandardCharsets.US_ASCII);
        byte[] text = new byte[size];
        for (int i = 0; i < size; i++) {
            text[i] = line[i % line.length];
        }
        return text;
    }

    /** (a) One keystroke: a 1-byte text frame. */
    @Benchmark
    public Mono<Void> textKeystroke() {
        return connection.onFrame(Opcode.TEXT, keystroke);
    }

    /** (b) A 1 KiB paste in one text frame. */
    @Benchmark
    public Mono<Void> textPaste1KiB() {
        return connection.onFrame(Opcode.TEXT, paste);
    }

    /** (c) A GET_VER record split 10 + 72 over two binary frames, answered with the 3 version bytes. */
    @Benchmark
    public void binaryGetVerSplit10And72(Blackhole blackhole) {
        blackhole.consume(connection.onFrame(Opcode.BINARY, getVerHead));
        blackhole.consume(connection.onFrame(Opcode.BINARY, getVerTail));
    }

    /**
     * For scale, not the parser alone: a whole 16 KiB PUT on tmpfs, record split 10 + 72, then 16
     * frames of 1024 bytes; includes creating the temporary file, 16 writes, fsync and the rename.
     */
    @Benchmark
    public void binaryPut16KiBOnTmpfs(Blackhole blackhole) {
        blackhole.consume(connection.onFrame(Opcode.BINARY, putHead));
        blackhole.consume(connection.onFrame(Opcode.BINARY, putTail));
        for (int i = 0; i < PUT_SIZE / PUT_FRAME; i++) {
            blackhole.consume(connection.onFrame(Opcode.BINARY, putFrame));
        }
    }

    /** Takes input at once, as a session whose input queue has room does. */
    private record TakingTerminal(Blackhole blackhole) implements WebReplConnection.Terminal {
        @Override
        public Mono<Void> input(long seq, byte[] bytes) {
            blackhole.consume(bytes);
            return Mono.empty();
        }

        @Override
        public void close() {
        }
    }

    /** Hands every payload to the blackhole, so replies are not optimised away. */
    private record ConsumingWire(Blackhole blackhole) implements WebReplConnection.Wire {
        @Override
        public void text(byte[] payload) {
            blackhole.consume(payload);
        }

        @Override
        public void binary(byte[] payload) {
            blackhole.consume(payload);
        }

        @Override
        public void closeWithoutFrame() {
            throw new IllegalStateException("connection closed");
        }

        @Override
        public void close(int code, String reason) {
            throw new IllegalStateException("connection closed: " + code + " " + reason);
        }
    }
}
