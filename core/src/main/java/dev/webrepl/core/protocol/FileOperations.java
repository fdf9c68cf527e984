package dev.webrepl.core.protocol;

import dev.webrepl.core.files.Download;
import dev.webrepl.core.files.EntryCodec;
import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.files.FileStoreException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * What the file channel's requests mean, once their names are read: the names themselves, and the
 * one-shot extension operations (PROTOCOL.md §3–§5). The channel keeps the stream; this keeps the rules.
 */
final class FileOperations {
    /** The FEATURES reply payload, in the order PROTOCOL.md §3 gives for this version. */
    static final byte[] FEATURES = "resize features stat list delete mkdir rename long-name resume flow sessions"
            .getBytes(StandardCharsets.US_ASCII);
    /** FEATURES on a server with a users file, where a logged-in user may SHARE (PROTOCOL.md §11). */
    static final byte[] FEATURES_WITH_SHARE = "resize features stat list delete mkdir rename long-name resume flow sessions share"
            .getBytes(StandardCharsets.US_ASCII);

    private final FileStore store;

    FileOperations(FileStore store) {
        this.store = store;
    }

    /** LIST: the encoded entries, sent in chunks as a GET sends a file (PROTOCOL.md §4). */
    Download list(String name) throws FileStoreException {
        return Download.of(EntryCodec.encodeAll(store.list(name)), name);
    }

    /**
     * STAT, DELETE, MKDIR or RENAME of {@code name}; returns the frame that follows {@code WB} + 0
     * (STAT's entry), or an empty array when there is none.
     */
    byte[] apply(int type, String name, byte[] destination) throws FileStoreException {
        switch (type) {
            case FileRequest.STAT -> {
                return EntryCodec.encode(store.stat(name));
            }
            case FileRequest.DELETE -> store.delete(name);
            case FileRequest.MKDIR -> store.mkdirs(name);
            case FileRequest.RENAME -> store.rename(name, utf8(destination, destination.length));
            default -> throw new IllegalArgumentException("not a one-shot request type: " + type);
        }
        return new byte[0];
    }

    /**
     * The status for lengths in the record that announce an impossible trailer: a long name or a
     * RENAME destination of 0 bytes (22) or more than 4096 (36); null if they are fine (PROTOCOL.md §2, §5).
     */
    static FileStatus checkTrailerLengths(FileRequest request) {
        if (request.longName()) {
            FileStatus bad = checkLength(request.nameLength());
            if (bad != null) {
                return bad;
            }
        }
        return request.type() == FileRequest.RENAME ? checkLength(request.size()) : null;
    }

    private static FileStatus checkLength(long length) {
        return length == 0 ? FileStatus.INVALID_REQUEST
                : length > FileRequest.MAX_LONG_NAME ? FileStatus.NAME_TOO_LONG
                : null;
    }

    /** The request's name: {@code longName} if it came after the record, else the legacy field up to its NUL. */
    static String nameOf(FileRequest request, byte[] longName) throws FileStoreException {
        if (longName != null) {
            return utf8(longName, longName.length);
        }
        int len = request.terminatedNameLength();
        if (len < 0) {
            throw new FileStoreException(FileStatus.NAME_TOO_LONG, "64-byte name field without a NUL terminator");
        }
        if (len == 0) {
            throw new FileStoreException(FileStatus.INVALID_REQUEST, "empty file name");
        }
        return utf8(request.name(), len);
    }

    /**
     * A name as UTF-8, or, when it is not valid UTF-8, as Latin-1 (PROTOCOL.md §1): MicroPython's
     * official page encodes names with {@code charCodeAt}, so {@code café.txt} arrives as Latin-1 bytes
     * (issue #16). Every byte is then one character, so the name round-trips and names the same file
     * as the UTF-8 spelling of the same characters.
     */
    private static String utf8(byte[] bytes, int len) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, len)).toString();
        } catch (CharacterCodingException notUtf8) {
            return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
        }
    }

    static TransferListener.Kind kindOf(int type) {
        return switch (type) {
            case FileRequest.PUT_FILE -> TransferListener.Kind.PUT;
            case FileRequest.GET_FILE -> TransferListener.Kind.GET;
            case FileRequest.STAT -> TransferListener.Kind.STAT;
            case FileRequest.LIST -> TransferListener.Kind.LIST;
            case FileRequest.DELETE -> TransferListener.Kind.DELETE;
            case FileRequest.MKDIR -> TransferListener.Kind.MKDIR;
            case FileRequest.RENAME -> TransferListener.Kind.RENAME;
            case FileRequest.FEATURES -> TransferListener.Kind.FEATURES;
            case FileRequest.SESSIONS -> TransferListener.Kind.SESSIONS;
            case FileRequest.SHARE -> TransferListener.Kind.SHARE;
            default -> TransferListener.Kind.UNKNOWN;
        };
    }
}
