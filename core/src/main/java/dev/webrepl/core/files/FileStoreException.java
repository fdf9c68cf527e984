package dev.webrepl.core.files;

/** A file operation that failed with a status a client can be told. */
public final class FileStoreException extends Exception {
    private final FileStatus status;

    public FileStoreException(FileStatus status, String message) {
        super(message);
        this.status = status;
    }

    public FileStoreException(FileStatus status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public FileStatus status() {
        return status;
    }
}
