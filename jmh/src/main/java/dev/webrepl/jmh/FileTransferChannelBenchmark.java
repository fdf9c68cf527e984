package dev.webrepl.jmh;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.FileRequest;
import dev.webrepl.core.protocol.FileTransferChannel;
import dev.webrepl.core.protocol.TransferListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link FileTransferChannel#feed} on its own: the 82-byte record's state machine, fed a GET_VER
 * request in every split a client or TCP could produce. GET_VER is the one request that needs no
 * disk (the channel's {@link FileStore} is a final class over {@code java.nio.file}, with no
 * in-memory stand-in), so these measure the parser and the decode of the record, nothing else.
 * Each operation is one request; every reply (3 version bytes) goes to the blackhole.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FileTransferChannelBenchmark {
    private static final byte[] VERSION = {1, 0x1D, 0};
    private static final int SPLITS = FileRequest.LENGTH - 1;

    private Path root;
    private FileTransferChannel channel;
    private byte[] getVer;

    @Setup
    public void open(Blackhole blackhole) throws IOException {
        root = Files.createTempDirectory("webrepl-jmh-");
        channel = new FileTransferChannel(new FileStore(root), FileTransferChannel.MAX_CHUNK, VERSION,
                blackhole::consume, TransferListener.NONE);
        getVer = FileRequest.of(FileRequest.GET_VER, 0, "").encode();
    }

    @TearDown
    public void close() throws IOException {
        channel.close();
        Files.delete(root);
    }

    /** The record in one piece. */
    @Benchmark
    public void getVerWhole() {
        channel.feed(getVer, 0, FileRequest.LENGTH);
    }

    /** The record in two pieces, cut at each of its 81 inner positions in turn; time per request. */
    @Benchmark
    @OperationsPerInvocation(SPLITS)
    public void getVerSplitAtEveryPosition() {
        for (int cut = 1; cut <= SPLITS; cut++) {
            channel.feed(getVer, 0, cut);
            channel.feed(getVer, cut, FileRequest.LENGTH - cut);
        }
    }

    /** The record one byte per feed, the worst split: 82 calls per request. */
    @Benchmark
    public void getVerByteByByte() {
        for (int i = 0; i < FileRequest.LENGTH; i++) {
            channel.feed(getVer, i, 1);
        }
    }
}
