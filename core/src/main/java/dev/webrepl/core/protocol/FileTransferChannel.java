package dev.webrepl.core.protocol;

import dev.webrepl.core.files.Download;
import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.files.FileStoreException;
import dev.webrepl.core.files.Upload;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The file channel (spec §4, PROTOCOL.md): the bytes of binary frames in, binary reply frames out.
 *
 * <p>Fed any split of the byte stream (headers across frames, header, long name and data in one
 * frame), it produces the same replies. Unlike the reference it never loses a PUT byte (§4.6),
 * answers every failure with a non-zero {@code WB} status and then serves the next request (§9 T19).
 * One state per thing read off the stream: the record, a long name, a RENAME destination, PUT data,
 * GET acks.
 */
public final class FileTransferChannel implements AutoCloseable {
    /** The largest GET chunk both official clients accept: a 65535-byte frame holds 2 + 65533 (§9 T13). */
    public static final int MAX_CHUNK = 65533;

    private enum State {
        /** Reading the 82-byte record. */
        HEADER,
        /** Skipping garbage up to the next {@code WA}, already reported once. */
        RESYNC,
        /** Reading {@code nameLength} bytes of a LONG_NAME name (PROTOCOL.md §2). */
        NAME,
        /** Reading {@code size} bytes of a RENAME destination (PROTOCOL.md §5). */
        DESTINATION,
        /** Reading the bytes a PUT announced. */
        PUT_DATA,
        /** Answering each ack byte with one chunk of a GET, a LIST or a SESSIONS listing. */
        CHUNKS
    }

    private final FileStore store;
    private final FileOperations operations;
    private final int chunkSize;
    private final byte[] version;
    private final Consumer<byte[]> replies;
    private final TransferListener listener;
    private final boolean filesAllowed;
    private final ResizeListener resize;
    private final FlowListener flow;
    private final SessionLister sessions;
    private final ShareListener shares;
    private final byte[] header = new byte[FileRequest.LENGTH];

    private State state = State.HEADER;
    private int headerFill;
    /** The request whose long name or destination is being read. */
    private FileRequest pending;
    private byte[] longName;
    private byte[] destination;
    private int nameFill;
    private Upload upload;
    private FileStatus putFailure;
    private long remaining;
    private Download download;
    private TransferListener.Kind downloadKind;
    /** The path of the PUT, GET or LIST in progress, for the listener (its detail). */
    private String transferPath = "";
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
     * As above; with {@code filesAllowed} false (a view-only terminal) every request but GET_VER and
     * FEATURES is refused with {@link FileStatus#PERMISSION_DENIED} (PROTOCOL.md §8).
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

    /**
     * Where FLOW and ACK requests go (PROTOCOL.md §9); viewers may use them, they only pace the
     * terminal's own output. Called on the thread that feeds the channel.
     */
    public interface FlowListener {
        /**
         * FLOW with a valid window: {@code window} bytes, or 0 for off. The listener sends
         * {@code okReply} ({@code WB} + 0) itself, in order with the channel's other replies, because
         * the window applies to the text frames sent after that reply: whoever orders the output must
         * place the reply and the change of window in one step.
         */
        void flow(int window, byte[] okReply);

        /** ACK: the client rendered {@code bytes} more text-frame payload bytes; no reply is sent. */
        void ack(long bytes);
    }

    /**
     * Where SHARE requests go (PROTOCOL.md §11, README "Users"): the connection knows its user and
     * session, and the sessions decide. Called on the thread that feeds the channel.
     */
    @FunctionalInterface
    public interface ShareListener {
        /**
         * Performs SHARE {@code operation} on {@code target} (a session id, empty for the connection's
         * own session, or a token to revoke); returns the frame that follows {@code WB} + 0 (possibly
         * empty: LIST with no shares), or null for none (REVOKE, END).
         *
         * @throws FileStoreException with the status to answer
         */
        byte[] share(int operation, String target) throws FileStoreException;
    }

    /** As above, with RESIZE requests (PROTOCOL.md §7) passed to {@code resize}. */
    public FileTransferChannel(FileStore store, int chunkSize, byte[] version, Consumer<byte[]> replies,
                               TransferListener listener, boolean filesAllowed, ResizeListener resize) {
        this(store, chunkSize, version, replies, listener, filesAllowed, resize, null);
    }

    /**
     * What SESSIONS answers (PROTOCOL.md §10): the listing of the sessions the asking login may attach
     * to. The channel sends it in acknowledged chunks and neither reads nor checks it; who may see which
     * session is the lister's decision. Called on the thread that feeds the channel.
     */
    @FunctionalInterface
    public interface SessionLister {
        /** The listing as PROTOCOL.md §10 encodes it: a JSON array, UTF-8. */
        byte[] list();
    }

    /**
     * As above, with FLOW and ACK (PROTOCOL.md §9) passed to {@code flow}; with {@code flow} null they
     * are unknown types (22), as from a server without the extension.
     */
    public FileTransferChannel(FileStore store, int chunkSize, byte[] version, Consumer<byte[]> replies,
                               TransferListener listener, boolean filesAllowed, ResizeListener resize,
                               FlowListener flow) {
        this(store, chunkSize, version, replies, listener, filesAllowed, resize, flow, null);
    }

    /**
     * As above, with SESSIONS (PROTOCOL.md §10) answered from {@code sessions}; with {@code sessions}
     * null it is an unknown type (22), and from a view-only terminal it is refused with 13 (§8).
     */
    public FileTransferChannel(FileStore store, int chunkSize, byte[] version, Consumer<byte[]> replies,
                               TransferListener listener, boolean filesAllowed, ResizeListener resize,
                               FlowListener flow, SessionLister sessions) {
        this(store, chunkSize, version, replies, listener, filesAllowed, resize, flow, sessions, null);
    }

    /**
     * As above, with SHARE (PROTOCOL.md §11) passed to {@code shares}; with {@code shares} null it is
     * an unknown type (22), as on a server without a users file.
     */
    public FileTransferChannel(FileStore store, int chunkSize, byte[] version, Consumer<byte[]> replies,
                               TransferListener listener, boolean filesAllowed, ResizeListener resize,
                               FlowListener flow, SessionLister sessions, ShareListener shares) {
        this.shares = shares;
        if (chunkSize < 1 || chunkSize > MAX_CHUNK) {
            throw new IllegalArgumentException("GET chunk size must be 1.." + MAX_CHUNK + ", got " + chunkSize);
        }
        if (version.length != 3) {
            throw new IllegalArgumentException("version must be 3 bytes");
        }
        this.store = store;
        this.operations = new FileOperations(store);
        this.chunkSize = chunkSize;
        this.version = version.clone();
        this.replies = replies;
        this.listener = listener;
        this.filesAllowed = filesAllowed;
        this.resize = resize;
        this.flow = flow;
        this.sessions = sessions;
    }

    /** Consumes {@code data[off..off+len)}, the payload (or part of it) of binary frames. */
    public void feed(byte[] data, int off, int len) {
        int end = off + len;
        while (off < end) {
            switch (state) {
                case HEADER, RESYNC -> off = readHeader(data, off, end);
                case NAME, DESTINATION -> off = readName(data, off, end);
                case PUT_DATA -> off = readPutData(data, off, end);
                case CHUNKS -> {
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
            case FileRequest.FEATURES -> {
                // Answered to viewers too: it tells, it does nothing (PROTOCOL.md §8).
                reply(FileStatus.OK);
                replies.accept(shares == null ? FileOperations.FEATURES.clone() : FileOperations.FEATURES_WITH_SHARE.clone());
                ended(TransferListener.Kind.FEATURES, "", 0, FileStatus.OK);
            }
            case FileRequest.RESIZE -> resize(request);
            case FileRequest.FLOW -> {
                if (flow == null) {
                    unknown(request);
                } else if (request.size() > FileRequest.MAX_FLOW_WINDOW) {
                    reply(FileStatus.INVALID_REQUEST);
                } else {
                    flow.flow((int) request.size(), statusReply(FileStatus.OK));
                }
            }
            case FileRequest.ACK -> {
                // No reply: acknowledgements are frequent, an answer would only add traffic (PROTOCOL.md §9).
                if (flow == null) {
                    unknown(request);
                } else {
                    flow.ack(request.size());
                }
            }
            case FileRequest.SESSIONS -> listSessions(request);
            case FileRequest.PUT_FILE, FileRequest.GET_FILE, FileRequest.STAT, FileRequest.LIST,
                    FileRequest.DELETE, FileRequest.MKDIR, FileRequest.RENAME -> readNames(request);
            case FileRequest.SHARE -> {
                if (shares == null) {
                    unknown(request);
                } else {
                    readNames(request);
                }
            }
            default -> unknown(request);
        }
    }

    private void unknown(FileRequest request) {
        reply(FileStatus.INVALID_REQUEST);
        ended(TransferListener.Kind.UNKNOWN, "type " + request.type(), 0, FileStatus.INVALID_REQUEST);
    }

    /** SESSIONS takes no name: nothing after its record is read, whatever its flags (PROTOCOL.md §10). */
    private void listSessions(FileRequest request) {
        if (sessions == null) {
            unknown(request);
        } else if (!filesAllowed) {
            reply(FileStatus.PERMISSION_DENIED);
            ended(TransferListener.Kind.SESSIONS, "view-only terminal", 0, FileStatus.PERMISSION_DENIED);
        } else {
            // Bounded only by the server's session limit, which is configurable: chunks, as LIST.
            startChunks(TransferListener.Kind.SESSIONS, Download.of(sessions.list(), "sessions"));
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

    /** Reads what follows the record (a long name, a destination) before anything is answered (PROTOCOL.md §2). */
    private void readNames(FileRequest request) {
        FileStatus bad = FileOperations.checkTrailerLengths(request);
        if (bad != null) {
            // Nothing after the record is read: the client must not send it (PROTOCOL.md §2, §5).
            reply(bad);
            ended(FileOperations.kindOf(request.type()), "", 0, bad);
            return;
        }
        pending = request;
        longName = request.longName() ? new byte[request.nameLength()] : null;
        destination = request.type() == FileRequest.RENAME ? new byte[(int) request.size()] : null;
        nameFill = 0;
        state = longName != null ? State.NAME : destination != null ? State.DESTINATION : State.HEADER;
        if (state == State.HEADER) {
            dispatch();
        }
    }

    private int readName(byte[] data, int off, int end) {
        byte[] target = state == State.NAME ? longName : destination;
        int n = Math.min(end - off, target.length - nameFill);
        System.arraycopy(data, off, target, nameFill, n);
        nameFill += n;
        if (nameFill == target.length) {
            nameFill = 0;
            state = state == State.NAME && destination != null ? State.DESTINATION : State.HEADER;
            if (state == State.HEADER) {
                dispatch();
            }
        }
        return off + n;
    }

    /** Serves the request whose names are all read; sets the next state. */
    private void dispatch() {
        FileRequest request = pending;
        TransferListener.Kind kind = FileOperations.kindOf(request.type());
        byte[] rawDestination = destination;
        byte[] rawName = longName;
        pending = null;
        longName = null;
        destination = null;
        String name = null;
        if (!filesAllowed) {
            reply(FileStatus.PERMISSION_DENIED);
            ended(kind, pathOrEmpty(request, rawName), 0, FileStatus.PERMISSION_DENIED);
            return;
        }
        try {
            if (request.type() == FileRequest.SHARE) {
                // An empty name is this connection's session: not the "empty file name" of other requests.
                String target = rawName == null && request.terminatedNameLength() == 0 ? ""
                        : FileOperations.nameOf(request, rawName);
                byte[] payload = shares.share((int) request.size(), target);
                reply(FileStatus.OK);
                if (payload != null) {
                    replies.accept(payload);
                }
                ended(kind, "share", payload == null ? 0 : payload.length, FileStatus.OK);
                return;
            }
            name = FileOperations.nameOf(request, rawName);
            transferPath = name;
            switch (request.type()) {
                case FileRequest.PUT_FILE -> startPut(request, name);
                case FileRequest.GET_FILE -> startChunks(kind, store.openDownload(name, request.offset()));
                case FileRequest.LIST -> startChunks(kind, operations.list(name));
                default -> {
                    byte[] payload = operations.apply(request.type(), name, rawDestination);
                    reply(FileStatus.OK);
                    if (payload.length > 0) {
                        replies.accept(payload);
                    }
                    ended(kind, name, payload.length, FileStatus.OK);
                }
            }
        } catch (FileStoreException e) {
            reply(e.status());
            ended(kind, name == null ? "" : name, 0, e.status());
        }
    }

    /** The name a request gave, or "" when it has none that can be read. */
    private static String pathOrEmpty(FileRequest request, byte[] rawName) {
        try {
            return FileOperations.nameOf(request, rawName);
        } catch (FileStoreException e) {
            return "";
        }
    }

    private void startPut(FileRequest request, String name) throws FileStoreException {
        upload = store.beginUpload(name, request.size(), request.resumable(), request.offset());
        reply(FileStatus.OK);
        if (request.resumable()) {
            // Where the client continues from (PROTOCOL.md §6): one 8-byte frame after the first WB.
            replies.accept(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(upload.have()).array());
        }
        remaining = request.size() - upload.have();
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
        ended(TransferListener.Kind.PUT, transferPath, bytes, status);
    }

    /** A GET (from its offset) or a LIST: {@code WB} + 0, then one chunk per ack (spec §4.4, PROTOCOL.md §4). */
    private void startChunks(TransferListener.Kind kind, Download source) {
        download = source;
        downloadKind = kind;
        sent = 0;
        state = State.CHUNKS;
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
            replies.accept(n == chunkSize ? frame : Arrays.copyOf(frame, 2 + n));
            sent += n;
            return;
        }
        // End of file: the empty chunk and the final status go out at once, no further ack (§4.4 step 6).
        download.close();
        download = null;
        state = State.HEADER;
        replies.accept(new byte[] {0, 0});
        reply(status);
        ended(downloadKind, transferPath, sent, status);
    }

    private void ended(TransferListener.Kind kind, String detail, long bytes, FileStatus status) {
        listener.transferEnded(kind, detail, bytes, status, java.time.Duration.ofNanos(System.nanoTime() - begun));
    }

    private void reply(FileStatus status) {
        replies.accept(statusReply(status));
    }

    /** The 4-byte {@code WB} reply payload for {@code status}. */
    public static byte[] statusReply(FileStatus status) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 'W').put((byte) 'B').putShort((short) status.code()).array();
    }

    /**
     * Releases what a transfer cut short holds: a legacy upload's temporary file is deleted, a
     * resumable one's partial kept (PROTOCOL.md §6), a download closed.
     */
    @Override
    public void close() {
        if (upload != null) {
            upload.abort();
            ended(TransferListener.Kind.PUT, transferPath, upload.written(), FileStatus.IO_ERROR);
            upload = null;
        }
        if (download != null) {
            download.close();
            ended(downloadKind, transferPath, sent, FileStatus.IO_ERROR);
            download = null;
        }
        pending = null;
        longName = null;
        destination = null;
        state = State.HEADER;
        headerFill = 0;
    }
}
