package dev.webrepl.core.protocol;

import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.files.FileStoreException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The file channel (spec §4): the bytes of binary frames in, binary reply frames out.
 *
 * <p>Fed any split of the byte stream (headers across frames, header and data in one frame), it
 * produces the same replies. Unlike the reference it never loses a PUT byte (§4.6), answers every
 * failure with a non-zero {@code WB} status and then serves the next request (§9 T19).
 */
public final class FileTransferChannel implements AutoCloseable {
    /** The largest GET chunk both official clients accept: a 65535-byte frame holds 2 + 65533 (§9 T13). */
    public static final int MAX_CHUNK = 65533;

    private enum State { HEADER, RESYNC, PUT_DATA, GET }

    private final FileStore store;
    private final int chunkSize;
    private final byte[] version;
    private final Consumer<byte[]> replies;
    private final TransferListener listener;
    private final boolean filesAllowed;
    private final ResizeListener resize;
    private final byte[] header = new byte[FileRequest.LENGTH];

    private State state = State.HEADER;
    private int headerFill;
    private FileStore.Upload upload;
    private FileStatus putFailure;
    private long remaining;
    private FileStore.Download download;
    private long sent;
    /** When the current request's header was complete (System.nanoTime). */
    private long begun;

    /**
     * @param store     where names are resolved
     * @param chunkSize GET payload bytes per frame, 1 to {@link #MAX_CHUNK}
     * @param version   the three GET_VER bytes (major, minor, micro)
     * @param replies   receives each reply as the payload of one binary frame
     * @param listener  told when a transfer ends
     */
    public FileTransferChannel(FileStore store, int chunkSize, byte[] version, Consumer<byte[]> replies,
                               TransferListener listener) {
        this(store, chunkSize, version, replies, listener, true);
    }

    /**
     * As above; with {@code filesAllowed} false (a view-only terminal) every PUT and GET is refused
     * with {@link FileStatus#PERMISSION_DENIED}, GET_VER is still answered.
     */
    public FileTransferChannel(FileStore store, int chunkSize, byte[] version, Consumer<byte[]> replies,
                               TransferListener listener, boolean filesAllowed) {
        this(store, chunkSize, version, replies, listener, filesAllowed, null);
    }

    /** Where RESIZE requests go; {@code null}: refused with 13 (a viewer may not resize). */
    @FunctionalInterface
    public interface ResizeListener {
        void resize(int columns, int rows);
    }

    /** As above, with RESIZE requests (an extension, README "Protocol extensions") passed to {@code resize}. */
    public FileTransferChannel(FileStore store, int chunkSize, byte[] version, Consumer<byte[]> replies,
                               TransferListener listener, boolean filesAllowed, ResizeListener resize) {
        if (chunkSize < 1 || chunkSize > MAX_CHUNK) {
            throw new IllegalArgumentException("GET chunk size must be 1.." + MAX_CHUNK + ", got " + chunkSize);
        }
        if (version.length != 3) {
            throw new IllegalArgumentException("version must be 3 bytes");
        }
        this.store = store;
        this.chunkSize = chunkSize;
        this.version = version.clone();
        this.replies = replies;
        this.listener = listener;
        this.filesAllowed = filesAllowed;
        this.resize = resize;
    }

    /** Consumes {@code data[off..off+len)}, the payload (or part of it) of binary frames. */
    public void feed(byte[] data, int off, int len) {
        int end = off + len;
        while (off < end) {
            switch (state) {
                case HEADER, RESYNC -> off = readHeader(data, off, end);
                case PUT_DATA -> off = readPutData(data, off, end);
                case GET -> {
                    // Each byte is one ack, and each ack gets exactly one chunk (spec §4.4 step 5).
                    off++;
                    sendChunk();
                }
            }
        }
    }

    private int readHeader(byte[] data, int off, int end) {
        // Garbage before "WA" would shift every field of the header; we skip to the next "WA" and
        // say so once, where the reference parses the garbage as a request (spec §4.6).
        while (headerFill < 2 && off < end) {
            byte b = data[off++];
            if (headerFill == 0 ? b == FileRequest.SIG_0 : b == FileRequest.SIG_1) {
                header[headerFill++] = b;
            } else {
                headerFill = b == FileRequest.SIG_0 ? 1 : 0;
                header[0] = FileRequest.SIG_0;
                if (state == State.HEADER) {
                    state = State.RESYNC;
                    reply(FileStatus.INVALID_REQUEST);
                }
            }
        }
        if (headerFill < 2) {
            return off;
        }
        state = State.HEADER;
        int n = Math.min(end - off, FileRequest.LENGTH - headerFill);
        System.arraycopy(data, off, header, headerFill, n);
        headerFill += n;
        off += n;
        if (headerFill == FileRequest.LENGTH) {
            headerFill = 0;
            handle(FileRequest.decode(header, 0));
        }
        return off;
    }

    private void handle(FileRequest request) {
        begun = System.nanoTime();
        switch (request.type()) {
            case FileRequest.GET_VER -> replies.accept(version.clone());
            case FileRequest.RESIZE -> resize(request);
            case FileRequest.PUT_FILE, FileRequest.GET_FILE -> {
                if (!filesAllowed) {
                    reply(FileStatus.PERMISSION_DENIED);
                    ended(request.type() == FileRequest.PUT_FILE ? TransferListener.Kind.PUT
                            : TransferListener.Kind.GET, "view-only terminal", 0, FileStatus.PERMISSION_DENIED);
                } else if (request.type() == FileRequest.PUT_FILE) {
                    startPut(request);
                } else {
                    startGet(request);
                }
            }
            default -> {
                reply(FileStatus.INVALID_REQUEST);
                ended(TransferListener.Kind.UNKNOWN, "type " + request.type(), 0,
                        FileStatus.INVALID_REQUEST);
            }
        }
    }

    private void resize(FileRequest request) {
        int columns = (int) (request.size() & 0xFFFF);
        int rows = (int) (request.size() >>> 16);
        if (resize == null) {
            reply(FileStatus.PERMISSION_DENIED);
        } else if (columns == 0 || rows == 0) {
            reply(FileStatus.INVALID_REQUEST);
        } else {
            resize.resize(columns, rows);
            reply(FileStatus.OK);
        }
    }

    private void startPut(FileRequest request) {
        String name;
        try {
            name = nameOf(request);
            upload = store.beginUpload(name, request.size());
        } catch (FileStoreException e) {
            reply(e.status());
            ended(TransferListener.Kind.PUT, describe(request), 0, e.status());
            return;
        }
        reply(FileStatus.OK);
        remaining = request.size();
        putFailure = null;
        state = State.PUT_DATA;
        if (remaining == 0) {
            finishPut();
        }
    }

    private int readPutData(byte[] data, int off, int end) {
        int n = (int) Math.min(end - off, remaining);
        if (putFailure == null) {
            try {
                upload.write(data, off, n);
            } catch (FileStoreException e) {
                // Keep consuming the announced bytes so the stream stays in step; report at the end.
                putFailure = e.status();
                upload.abort();
            }
        }
        remaining -= n;
        if (remaining == 0) {
            finishPut();
        }
        return off + n;
    }

    private void finishPut() {
        FileStatus status = putFailure;
        if (status == null) {
            try {
                upload.commit();
                status = FileStatus.OK;
            } catch (FileStoreException e) {
                status = e.status();
            }
        }
        long bytes = upload.written();
        upload = null;
        putFailure = null;
        state = State.HEADER;
        reply(status);
        ended(TransferListener.Kind.PUT, "", bytes, status);
    }

    private void startGet(FileRequest request) {
        try {
            download = store.openDownload(nameOf(request));
        } catch (FileStoreException e) {
            reply(e.status());
            ended(TransferListener.Kind.GET, describe(request), 0, e.status());
            return;
        }
        sent = 0;
        state = State.GET;
        reply(FileStatus.OK);
    }

    private void sendChunk() {
        byte[] frame = new byte[2 + chunkSize];
        int n;
        FileStatus status = FileStatus.OK;
        try {
            n = download.read(frame, 2, chunkSize);
        } catch (FileStoreException e) {
            n = 0;
            status = e.status();
        }
        if (n > 0) {
            frame[0] = (byte) n;
            frame[1] = (byte) (n >>> 8);
            replies.accept(n == chunkSize ? frame : java.util.Arrays.copyOf(frame, 2 + n));
            sent += n;
            return;
        }
        // End of file: the empty chunk and the final status go out at once, no further ack (§4.4 step 6).
        download.close();
        download = null;
        state = State.HEADER;
        replies.accept(new byte[] {0, 0});
        reply(status);
        ended(TransferListener.Kind.GET, "", sent, status);
    }

    private static String nameOf(FileRequest request) throws FileStoreException {
        int len = request.terminatedNameLength();
        if (len < 0) {
            throw new FileStoreException(FileStatus.NAME_TOO_LONG, "64-byte name field without a NUL terminator");
        }
        if (len == 0) {
            throw new FileStoreException(FileStatus.INVALID_REQUEST, "empty file name");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(request.name(), 0, len)).toString();
        } catch (CharacterCodingException e) {
            throw new FileStoreException(FileStatus.ILLEGAL_NAME_ENCODING, "file name is not valid UTF-8", e);
        }
    }

    private void ended(TransferListener.Kind kind, String detail, long bytes, FileStatus status) {
        listener.transferEnded(kind, detail, bytes, status, java.time.Duration.ofNanos(System.nanoTime() - begun));
    }

    private static String describe(FileRequest request) {
        return request.toString();
    }

    private void reply(FileStatus status) {
        replies.accept(statusReply(status));
    }

    /** The 4-byte {@code WB} reply payload for {@code status}. */
    public static byte[] statusReply(FileStatus status) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 'W').put((byte) 'B').putShort((short) status.code()).array();
    }

    /** Releases what a transfer cut short holds: a partial upload is deleted, a download closed. */
    @Override
    public void close() {
        if (upload != null) {
            upload.abort();
            ended(TransferListener.Kind.PUT, "aborted", upload.written(), FileStatus.IO_ERROR);
            upload = null;
        }
        if (download != null) {
            download.close();
            ended(TransferListener.Kind.GET, "aborted", sent, FileStatus.IO_ERROR);
            download = null;
        }
        state = State.HEADER;
        headerFill = 0;
    }
}
