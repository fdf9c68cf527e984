package dev.webrepl.transport.client;

import dev.webrepl.core.files.FileStatus;
import java.io.IOException;

/** The server answered a file request with a non-zero {@code WB} status (spec §4.2, §4.6). */
public final class FileTransferException extends IOException {
    private final FileStatus status;
    private final int code;

    /**
     * @param operation what was asked, e.g. {@code "get /main.py"}
     * @param code      the u16 status code received
     */
    public FileTransferException(String operation, int code) {
        super(operation + ": " + FileStatus.ofCode(code).description() + " (code " + code + ")");
        this.status = FileStatus.ofCode(code);
        this.code = code;
    }

    /** The status the code stands for; unknown codes map to {@link FileStatus#IO_ERROR}. */
    public FileStatus status() {
        return status;
    }

    /** The code exactly as received. */
    public int code() {
        return code;
    }
}
